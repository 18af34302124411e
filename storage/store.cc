#include "storage/store.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/util/status_macros.h"
#include "storage/mysql_store.h"
#include "storage/sqlite_store.h"

namespace leadcapture::storage {
namespace {

constexpr absl::string_view kSqlitePrefix = "sqlite:";
constexpr absl::string_view kSqliteMemory = "sqlite::memory:";
constexpr absl::string_view kAcceptedUrls =
    "expected sqlite:PATH, sqlite::memory: or "
    "mysql://USER@HOST:PORT/DATABASE";

// The content of a password file without its final line break. Only the
// path appears in an error, never the content.
absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the database password file ", path, ": ",
                     std::strerror(errno)));
  }
  std::ostringstream content;
  content << file.rdbuf();
  std::string password = content.str();
  if (absl::EndsWith(password, "\n")) password.pop_back();
  if (absl::EndsWith(password, "\r")) password.pop_back();
  return password;
}

absl::StatusOr<std::string> DatabasePassword(const OpenStoreOptions& options) {
  if (!options.password_file.empty()) {
    return ReadPasswordFile(options.password_file);
  }
  if (const char* password = getenv("LEADCAPTURE_DB_PASSWORD")) {
    return std::string(password);
  }
  const char* file = getenv("LEADCAPTURE_DB_PASSWORD_FILE");
  if (file != nullptr && *file != '\0') return ReadPasswordFile(file);
  return std::string();
}

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
  return OpenStore(url, OpenStoreOptions());
}

absl::StatusOr<std::unique_ptr<Store>> OpenStore(
    absl::string_view url, const OpenStoreOptions& options) {
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
    LC_ASSIGN_OR_RETURN(MySqlStore::Options mysql, ParseMySqlUrl(url));
    LC_ASSIGN_OR_RETURN(mysql.password, DatabasePassword(options));
    auto store = MySqlStore::Open(mysql);
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(std::move(store).value());
  }
  // Only the scheme is echoed: the rest of a URL may hold credentials.
  absl::string_view scheme = url.substr(0, url.find(':'));
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported database URL (scheme \"", scheme, "\"); ", kAcceptedUrls));
}

}  // namespace leadcapture::storage
