#include "services/admin_auth.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/util/log.h"
#include "services/util/random.h"

namespace leadcapture {
namespace {

// Below this a token can be guessed; it is allowed, with a warning.
constexpr int kMinTokenLength = 16;

}  // namespace

absl::Status AdminAuth::Check(const grpc::ServerContext& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(
        "admin calls need the metadata 'authorization: Bearer <token>'");
  }
  absl::string_view value(it->second.data(), it->second.size());
  const bool bearer = absl::StartsWithIgnoreCase(value, "Bearer ");
  absl::string_view given =
      bearer ? absl::StripAsciiWhitespace(value.substr(7)) : "";
  if (!bearer || given.size() != token_.size() ||
      CRYPTO_memcmp(given.data(), token_.data(), token_.size()) != 0) {
    return absl::UnauthenticatedError("the admin token is not valid");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> LoadOrCreateAdminToken(const std::string& path) {
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    std::string token(absl::StripAsciiWhitespace(text.str()));
    if (token.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the admin token file ", path, " is empty"));
    }
    for (char c : token) {
      if (c < 0x21 || c > 0x7e) {
        return absl::FailedPreconditionError(
            absl::StrCat("the admin token file ", path,
                         " holds characters that cannot be sent in a header"));
      }
    }
    if (token.size() < kMinTokenLength) {
      LogWarning("the admin token in %s is shorter than %d characters", path,
                 kMinTokenLength);
    }
    struct stat info;
    if (stat(path.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
      LogWarning("the admin token file %s can be read by other users", path);
    }
    return token;
  }

  std::error_code error;
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  const std::string token = RandomHex(32);
  // O_EXCL: if another process made the file meanwhile, use theirs.
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return LoadOrCreateAdminToken(path);
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create the admin token file ", path, ": ", strerror(errno)));
  }
  const std::string line = token + "\n";
  const bool written =
      write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  close(fd);
  if (!written) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write the admin token file ", path));
  }
  return token;
}

}  // namespace leadcapture
