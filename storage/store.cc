#include "storage/store.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/sqlite_store.h"

namespace leadcapture::storage {
namespace {

constexpr absl::string_view kSqlitePrefix = "sqlite:";
constexpr absl::string_view kSqliteMemory = "sqlite::memory:";
constexpr absl::string_view kAcceptedUrls =
    "expected sqlite:PATH, sqlite::memory: or "
    "mysql://USER@HOST:PORT/DATABASE";

}  // namespace

std::string EmailKey(absl::string_view email_address) {
  // absl::AsciiStrToLower maps only 'A'-'Z'; bytes of multi-byte UTF-8
  // characters are all >= 0x80 and stay as they are.
  return absl::AsciiStrToLower(email_address);
}

absl::string_view MemberTypeName(MemberType type) {
  switch (type) {
    case MemberType::kLead:
      return "lead";
    case MemberType::kContact:
      return "contact";
  }
  return "lead";
}

absl::StatusOr<std::unique_ptr<Store>> OpenStore(absl::string_view url) {
  if (url == kSqliteMemory) {
    auto store = SqliteStore::OpenInMemory();
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(std::move(store).value());
  }
  if (absl::StartsWith(url, kSqlitePrefix)) {
    absl::string_view path = url.substr(kSqlitePrefix.size());
    if (path.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "database URL \"sqlite:\" names no file; ", kAcceptedUrls));
    }
    auto store = SqliteStore::Open(std::string(path));
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(std::move(store).value());
  }
  if (absl::StartsWith(url, "mysql://")) {
    return absl::UnimplementedError("MySQL support is not built yet");
  }
  // Only the scheme is echoed: the rest of a URL may hold credentials.
  absl::string_view scheme = url.substr(0, url.find(':'));
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported database URL (scheme \"", scheme, "\"); ", kAcceptedUrls));
}

}  // namespace leadcapture::storage
