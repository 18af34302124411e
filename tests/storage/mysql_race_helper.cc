// One of several processes racing on one MySQL database, for
// mysql_store_test: on each of kThreads threads, for each of kEmails
// addresses (the same in every process), does what a capture with the
// duplicate check does: lock the e-mail key, find the lead, create it if
// missing, commit.
//
//   mysql_race_helper DATABASE_URL ID_PREFIX
//
// The password comes from LEADCAPTURE_DB_PASSWORD. Exits 0 when every
// transaction committed; prints the first error and exits 1 otherwise.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/util/status_macros.h"
#include "storage/store.h"

namespace leadcapture::storage {
namespace {

constexpr int kThreads = 4;
constexpr int kEmails = 20;

absl::Status FindOrCreateLead(Store& store, const std::string& email,
                              const std::string& new_id) {
  LC_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx,
                      store.Begin(TransactionMode::kReadWrite));
  const std::string key = EmailKey(email);
  LC_RETURN_IF_ERROR(tx->LockIdentity(key));
  LC_ASSIGN_OR_RETURN(std::optional<v1::Lead> found,
                      tx->FindLeadByEmailKey(key));
  if (!found.has_value()) {
    v1::Lead lead;
    lead.set_id(new_id);
    lead.set_email_address(email);
    lead.set_status(v1::NEW);
    LC_RETURN_IF_ERROR(tx->CreateLead(lead));
  }
  return tx->Commit();
}

int Race(const std::string& url, const std::string& prefix) {
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(url);
  if (!store.ok()) {
    std::cerr << "open: " << store.status() << "\n";
    return 1;
  }
  std::vector<absl::Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int e = 0; e < kEmails && results[t].ok(); ++e) {
        std::string email =
            absl::StrCat(t % 2 == 0 ? "Race" : "race", e, "@Example.org");
        results[t] = FindOrCreateLead(**store, email,
                                      absl::StrCat(prefix, "-", t, "-", e));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& result : results) {
    if (!result.ok()) {
      std::cerr << "race: " << result << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace leadcapture::storage

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: mysql_race_helper DATABASE_URL ID_PREFIX\n";
    return 2;
  }
  return leadcapture::storage::Race(argv[1], argv[2]);
}
