// The Store conformance suite: StoreTest runs every TEST_P of store_test.cc
// against each backend that a test file instantiates it with, for example
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest,
//                            ::testing::Values(SqliteFileBackend()),
//                            StoreBackendName);
#ifndef LEADCAPTURE_TESTS_STORAGE_STORE_TEST_BACKEND_H_
#define LEADCAPTURE_TESTS_STORAGE_STORE_TEST_BACKEND_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "storage/store.h"

namespace leadcapture::storage {

// One database of a backend, made for one test.
class StoreBackend {
 public:
  virtual ~StoreBackend() = default;

  // Opens a Store on this backend's database. The first call finds it
  // empty; each later call opens another Store on the same database, as
  // another process would, or gives UNIMPLEMENTED where the backend cannot
  // (an in-memory database).
  virtual absl::StatusOr<std::unique_ptr<Store>> Open() = 0;

  // Why the tests of this backend are skipped here, when they were
  // switched off on purpose (LEADCAPTURE_TEST_MYSQL=off); empty when they
  // run.
  virtual std::string SkipReason() const { return ""; }
};

// Makes a fresh database of one backend.
struct StoreBackendFactory {
  // The name shown in test names: letters and digits only.
  std::string name;
  std::function<std::unique_ptr<StoreBackend>()> make;
};

inline void PrintTo(const StoreBackendFactory& factory, std::ostream* os) {
  *os << factory.name;
}

inline std::string StoreBackendName(
    const ::testing::TestParamInfo<StoreBackendFactory>& info) {
  return info.param.name;
}

class StoreTest : public ::testing::TestWithParam<StoreBackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    ASSERT_NE(backend_, nullptr);
    if (std::string reason = backend_->SkipReason(); !reason.empty()) {
      GTEST_SKIP() << reason;
    }
    absl::StatusOr<std::unique_ptr<Store>> store = backend_->Open();
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(store).value();
  }

  void TearDown() override {
    store_.reset();
    backend_.reset();
  }

  absl::StatusOr<std::unique_ptr<Transaction>> Write() {
    return store_->Begin(TransactionMode::kReadWrite);
  }
  absl::StatusOr<std::unique_ptr<Transaction>> Read() {
    return store_->Begin(TransactionMode::kReadOnly);
  }

  std::unique_ptr<StoreBackend> backend_;
  std::unique_ptr<Store> store_;
};

}  // namespace leadcapture::storage

#endif  // LEADCAPTURE_TESTS_STORAGE_STORE_TEST_BACKEND_H_
