// The HTTP server in front of leadcaptured (SPEC section 5). It holds no
// business logic: it turns the public HTTP routes into calls on
// LeadCaptureService and maps the answers back, and owns the HTTP concerns
// (CORS, body limit, content type, client IP, error bodies).
//
// Routes:
//   POST    /api/v1/LeadCapture/{apiKey}  capture; 200 `true`
//   OPTIONS /api/v1/LeadCapture/{apiKey}  CORS preflight
//   GET     /optin/confirm?token=T        opt-in confirmation page
//   GET     /?entryPoint=confirmOptIn&id=T  the same, EspoCRM's link shape
//   POST    /optin/confirm                confirms the form field `token`
//   GET     /healthz                      200 when the backend serves
// Anything else is a 404; another method on the capture route a 405.
//
// The confirmation routes answer HTML pages (gateway/pages.h). A GET asks
// OptInService.Inspect first: a pending token whose entry point wants a
// button press gets a page with a Confirm button that POSTs the token, so
// a mail scanner that opens links confirms nothing; otherwise the GET
// confirms. A HEAD never confirms. Tokens never reach the logs.
#ifndef LEADCAPTURE_GATEWAY_GATEWAY_SERVER_H_
#define LEADCAPTURE_GATEWAY_GATEWAY_SERVER_H_

#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/client_ip.h"
#include "gateway/gateway_options.h"
#include "gateway/http_error.h"
#include "gateway/pages.h"
#include "gateway/policy_cache.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "leadcapture/v1/capture_service.grpc.pb.h"
#include "leadcapture/v1/opt_in_service.grpc.pb.h"
#include "services/util/clock.h"

namespace leadcapture::gateway {

// A channel to leadcaptured whose reconnect back-off is capped at 1 s, so
// the gateway recovers quickly once a stopped backend is back.
std::shared_ptr<grpc::Channel> MakeBackendChannel(const std::string& target);

// Start() and Stop() are for one owning thread; requests are served on the
// server's own worker threads.
class GatewayServer {
 public:
  // INVALID_ARGUMENT when `options` do not validate. `backend` is the
  // channel to leadcaptured (see MakeBackendChannel; options.backend is not
  // dialled here). `clock` times the policy cache; not owned, must outlive
  // the server.
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Create(
      GatewayOptions options, std::shared_ptr<grpc::Channel> backend,
      Clock* clock);

  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;
  // Stops the server if it runs.
  ~GatewayServer();

  // Binds options.http_address, then serves on a thread of its own. The
  // address is taken when this returns. UNAVAILABLE when it cannot be bound;
  // FAILED_PRECONDITION when called twice.
  absl::Status Start();

  // The bound port; 0 before Start().
  int port() const { return port_; }

  // Stops accepting, finishes the requests in flight and joins the serving
  // thread. Safe to call more than once.
  void Stop();

 private:
  // Either a value or the HTTP error that answers the request instead.
  template <typename T>
  using OrError = std::variant<T, HttpError>;

  // What the capture route says about CORS for one request.
  struct Cors {
    std::string allow_origin;
    // The entry point has a list, so the answer depends on Origin.
    bool vary_origin = false;
    // False: an Origin was sent that the list does not hold.
    bool origin_allowed = true;
  };

  GatewayServer(GatewayOptions options, ClientIpResolver client_ips,
                std::shared_ptr<grpc::Channel> backend, Clock* clock);

  void ConfigureHttp();
  void RegisterRoutes();

  void HandleCapture(const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& content_reader);
  // Reads the request body into `body`, at most `limit` bytes of it (0:
  // reads and drops it). Returns false with `error` set when the body is
  // too large or cannot be read; if the body could not be read to its end,
  // the answer tells the client to close the connection. Never throws, a
  // multipart body included.
  bool ReadBody(const httplib::Request& req,
                const httplib::ContentReader& content_reader,
                httplib::Response& res, std::size_t limit, std::string& body,
                HttpError& error) const;
  void HandlePreflight(const httplib::Request& req, httplib::Response& res);
  void HandleHealth(const httplib::Request& req, httplib::Response& res);

  // GET and HEAD of /optin/confirm and of /.
  void HandleConfirmLink(const httplib::Request& req, httplib::Response& res);
  void HandleEspoConfirmLink(const httplib::Request& req,
                             httplib::Response& res);
  void HandleConfirmPost(const httplib::Request& req, httplib::Response& res,
                         const httplib::ContentReader& content_reader);
  // The answer to opening the link of `token`; `form_action` is where its
  // Confirm button posts.
  HtmlPage LinkPage(const httplib::Request& req, const std::string& token,
                    absl::string_view form_action);
  // Confirms `token` and tells the outcome.
  HtmlPage ConfirmPage(const httplib::Request& req, const std::string& token);
  OrError<leadcapture::v1::InspectResponse> CallInspect(
      const std::string& token);
  OrError<leadcapture::v1::ConfirmResponse> CallConfirm(
      const httplib::Request& req, const std::string& token);
  // The page for a failed backend call.
  static HtmlPage PageForBackendError(const HttpError& error);
  static void WritePage(const HtmlPage& page, httplib::Response& res);
  void HandleWrongMethod(const httplib::Request& req, httplib::Response& res);
  httplib::Server::HandlerResponse HandleHttpError(const httplib::Request& req,
                                                   httplib::Response& res);
  void HandleException(const httplib::Request& req, httplib::Response& res,
                       std::exception_ptr exception);
  void LogAccess(const httplib::Request& req, const httplib::Response& res);

  // Sends the capture to the backend; the error that answers it, if any.
  std::optional<HttpError> CallCapture(const httplib::Request& req,
                                       const std::string& api_key,
                                       google::protobuf::Struct payload);
  // The policy of `api_key`, from the cache or from GetPolicy.
  OrError<leadcapture::v1::Policy> LookupPolicy(const std::string& api_key);
  // The HTTP error for a failed backend call; logs INTERNAL-like failures
  // once and notes whether the backend is reachable. `secret` (the API key
  // or opt-in token of the call) is kept out of the message and the log.
  HttpError BackendError(absl::string_view method, const grpc::Status& status,
                         const GrpcTrailers& trailers,
                         const std::string& secret);
  void NoteBackendReachable();
  leadcapture::v1::CaptureRequest MakeCaptureRequest(
      const httplib::Request& req, const std::string& api_key,
      google::protobuf::Struct payload) const;

  static void WriteCors(const Cors& cors, httplib::Response& res);
  Cors DefaultCors() const;
  Cors DecideCors(const leadcapture::v1::Policy& policy,
                  const httplib::Request& req) const;
  std::string ClientIp(const httplib::Request& req) const;
  std::unique_ptr<grpc::ClientContext> BackendContext(
      absl::Duration deadline) const;

  const GatewayOptions options_;
  const ClientIpResolver client_ips_;
  std::unique_ptr<leadcapture::v1::LeadCaptureService::Stub> capture_stub_;
  std::unique_ptr<leadcapture::v1::OptInService::Stub> opt_in_stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_stub_;
  PolicyCache policy_cache_;
  std::atomic<bool> backend_down_{false};

  httplib::Server http_;
  // The listening socket, once bound; -1 before.
  socket_t listen_socket_ = -1;
  std::thread serve_thread_;
  // Set by the serving thread when listening has ended.
  std::atomic<bool> serving_done_{false};
  int port_ = 0;
  bool started_ = false;
};

}  // namespace leadcapture::gateway

#endif  // LEADCAPTURE_GATEWAY_GATEWAY_SERVER_H_
