// Checks the admin credential of AdminService calls.
#ifndef LEADCAPTURE_SERVICES_ADMIN_AUTH_H_
#define LEADCAPTURE_SERVICES_ADMIN_AUTH_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace leadcapture {

// Thread-safe; immutable after construction.
class AdminAuth {
 public:
  explicit AdminAuth(std::string token) : token_(std::move(token)) {}

  // OK when the call carries `authorization: Bearer <token>` with the
  // configured token (compared in constant time); UNAUTHENTICATED otherwise.
  absl::Status Check(const grpc::ServerContext& context) const;

 private:
  std::string token_;
};

// Reads the admin token from `path` (surrounding white space dropped). When
// the file is missing, creates it (and its folder) with a fresh random
// token, mode 0600. FAILED_PRECONDITION for an empty or unreadable file.
absl::StatusOr<std::string> LoadOrCreateAdminToken(const std::string& path);

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_ADMIN_AUTH_H_
