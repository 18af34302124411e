#include "gateway/gateway_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gateway/http_text.h"
#include "gateway/json_payload.h"
#include "services/util/log.h"

namespace leadcapture::gateway {
namespace {

using httplib::Request;
using httplib::Response;
using leadcapture::v1::CaptureRequest;
using leadcapture::v1::CaptureResponse;
using leadcapture::v1::ConfirmRequest;
using leadcapture::v1::ConfirmResponse;
using leadcapture::v1::GetPolicyRequest;
using leadcapture::v1::InspectRequest;
using leadcapture::v1::InspectResponse;
using leadcapture::v1::Policy;
using HandlerResponse = httplib::Server::HandlerResponse;

constexpr char kCapturePrefix[] = "/api/v1/LeadCapture/";
constexpr char kCaptureRoute[] = R"(/api/v1/LeadCapture/([^/]+))";
constexpr char kAllowedMethods[] = "POST, OPTIONS";
constexpr char kAllowedHeaders[] = "Content-Type, Accept, Idempotency-Key";
constexpr char kExposedHeaders[] = "X-Status-Reason, Retry-After";
constexpr char kPreflightMaxAge[] = "600";
constexpr char kJson[] = "application/json";
constexpr char kHtml[] = "text/html; charset=utf-8";
constexpr char kConfirmPath[] = "/optin/confirm";
constexpr char kConfirmAllowedMethods[] = "GET, HEAD, POST";
constexpr int kListenBacklog = SOMAXCONN;

// API keys are short printable ASCII; anything else cannot be one, and must
// not reach a proto3 string (which has to be UTF-8).
constexpr std::size_t kMaxApiKeyBytes = 128;
// User-Agent and Origin are passed on as evidence, cut to this size.
constexpr std::size_t kMaxClientHeaderBytes = 1024;
// Opt-in tokens are 22 base64url characters; a longer text, or one with
// other characters, cannot be one and is not sent to the backend.
constexpr std::size_t kMaxOptInTokenBytes = 64;
// The confirmation form holds one short field.
constexpr std::size_t kMaxConfirmBodyBytes = 4096;

// When the current worker thread began its request, for the access log.
thread_local absl::Time request_start = absl::InfinitePast();

bool IsCapturePath(absl::string_view path) {
  if (!absl::ConsumePrefix(&path, kCapturePrefix)) return false;
  return !path.empty() && !absl::StrContains(path, '/');
}

// The methods httplib routes; others end as a 400 in the error handler.
bool IsRoutedMethod(absl::string_view method) {
  for (absl::string_view routed :
       {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == routed) return true;
  }
  return false;
}

bool LooksLikeApiKey(absl::string_view api_key) {
  if (api_key.empty() || api_key.size() > kMaxApiKeyBytes) return false;
  return std::all_of(api_key.begin(), api_key.end(),
                     [](char c) { return c >= 0x21 && c <= 0x7e; });
}

bool LooksLikeOptInToken(absl::string_view token) {
  if (token.empty() || token.size() > kMaxOptInTokenBytes) return false;
  return std::all_of(token.begin(), token.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '-' || c == '_';
  });
}

// The value of query parameter `name`; empty when it is missing or given
// more than once.
std::string OnlyParam(const Request& req, const char* name) {
  if (req.get_param_value_count(name) != 1) return "";
  return req.get_param_value(name);
}

// The path for the access log: API keys and opt-in tokens masked. A query
// string, which may hold a token, is never logged.
std::string LoggedPath(const Request& req) {
  if (IsCapturePath(req.path)) return absl::StrCat(kCapturePrefix, "***");
  if (req.path == kConfirmPath && req.has_param("token")) {
    return absl::StrCat(kConfirmPath, "?token=***");
  }
  if (req.path == "/" && req.has_param("id")) return "/?id=***";
  // A decoded path can hold a '?' ("%3F"); what follows it is dropped.
  absl::string_view path = req.path;
  const std::size_t query = path.find('?');
  if (query != absl::string_view::npos) {
    return absl::StrCat(SafeHeaderValue(path.substr(0, query), 256), "?***");
  }
  return SafeHeaderValue(path, 256);
}

// Whether the Content-Length headers frame the body one way only: every
// value (a header may also hold a list) is decimal digits, and all are
// equal (RFC 9112 6.3). True when there is none.
bool ContentLengthIsSound(const Request& req) {
  std::string first;
  auto range = req.headers.equal_range("Content-Length");
  for (auto it = range.first; it != range.second; ++it) {
    for (absl::string_view value : absl::StrSplit(it->second, ',')) {
      value = absl::StripAsciiWhitespace(value);
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), absl::ascii_isdigit)) {
        return false;
      }
      // Leading zeros do not change the length.
      while (value.size() > 1 && value.front() == '0') value.remove_prefix(1);
      if (first.empty()) {
        first = std::string(value);
      } else if (value != first) {
        return false;
      }
    }
  }
  return true;
}

bool SameOrigin(absl::string_view allowed, absl::string_view origin) {
  absl::ConsumeSuffix(&allowed, "/");
  return absl::EqualsIgnoreCase(allowed, origin);
}

void WriteError(const HttpError& error, Response& res) {
  res.status = error.status;
  res.set_header("X-Status-Reason", SafeHeaderValue(error.message));
  if (error.retry_after_seconds > 0) {
    res.set_header("Retry-After", std::to_string(error.retry_after_seconds));
  }
  res.set_content(ErrorBody(error), kJson);
}

void WriteNoCache(Response& res) {
  res.set_header("Cache-Control", "no-cache, no-store, must-revalidate");
  res.set_header("Pragma", "no-cache");
  res.set_header("Expires", "0");
}

}  // namespace

std::shared_ptr<grpc::Channel> MakeBackendChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   args);
}

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Create(
    GatewayOptions options, std::shared_ptr<grpc::Channel> backend,
    Clock* clock) {
  if (absl::Status valid = ValidateGatewayOptions(options); !valid.ok()) {
    return valid;
  }
  absl::StatusOr<ClientIpResolver> client_ips =
      ClientIpResolver::Create(options.trusted_proxies);
  if (!client_ips.ok()) return client_ips.status();
  return std::unique_ptr<GatewayServer>(new GatewayServer(
      std::move(options), *std::move(client_ips), std::move(backend), clock));
}

GatewayServer::GatewayServer(GatewayOptions options,
                             ClientIpResolver client_ips,
                             std::shared_ptr<grpc::Channel> backend,
                             Clock* clock)
    : options_(std::move(options)),
      client_ips_(std::move(client_ips)),
      capture_stub_(leadcapture::v1::LeadCaptureService::NewStub(backend)),
      opt_in_stub_(leadcapture::v1::OptInService::NewStub(backend)),
      health_stub_(grpc::health::v1::Health::NewStub(backend)),
      policy_cache_(options_.policy_cache_ttl, clock) {
  ConfigureHttp();
  RegisterRoutes();
}

GatewayServer::~GatewayServer() { Stop(); }

void GatewayServer::ConfigureHttp() {
  // The shared library's compiled-in defaults (Nagle on, 5 requests per
  // connection, 8 workers) would make every request wait ~40 ms and starve
  // keep-alive connections.
  http_.set_tcp_nodelay(true);
  http_.set_keep_alive_max_count(1000);
  http_.set_keep_alive_timeout(
      absl::ToInt64Seconds(options_.keep_alive_timeout));
  http_.set_read_timeout(absl::ToInt64Seconds(options_.http_io_timeout));
  http_.set_write_timeout(absl::ToInt64Seconds(options_.http_io_timeout));
  http_.set_payload_max_length(options_.max_body_bytes);
  const int threads = options_.http_threads;
  http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };

  // The library's default sets SO_REUSEPORT, which would let a second
  // gateway share the port silently instead of failing to bind.
  // It also notes the listening socket, whose backlog Start() raises.
  http_.set_socket_options([this](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_socket_ = sock;
  });

  http_.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const Request& req, Response& res) {
        return HandleHttpError(req, res);
      }));
  http_.set_exception_handler(
      [this](const Request& req, Response& res, std::exception_ptr e) {
        HandleException(req, res, e);
      });
  // Before any route reads a body: a length that frames it more than one
  // way, or not at all, is refused, and the client told to close (httplib
  // 0.11 keeps the socket for the keep-alive timeout, but drops what it
  // had buffered after this request).
  http_.set_pre_routing_handler([this](const Request& req, Response& res) {
    if (options_.access_log) request_start = absl::Now();
    if (ContentLengthIsSound(req)) return HandlerResponse::Unhandled;
    res.status = 400;
    HandleHttpError(req, res);
    res.set_header("Connection", "close");
    return HandlerResponse::Handled;
  });
  if (options_.access_log) {
    http_.set_logger([this](const Request& req, const Response& res) {
      LogAccess(req, res);
    });
  }
}

void GatewayServer::RegisterRoutes() {
  // The capture route reads its own body, so that a chunked one can be
  // stopped at the limit (httplib only limits bodies with a length).
  http_.Post(kCaptureRoute,
             [this](const Request& req, Response& res,
                    const httplib::ContentReader& content_reader) {
               HandleCapture(req, res, content_reader);
             });
  http_.Options(kCaptureRoute, [this](const Request& req, Response& res) {
    HandlePreflight(req, res);
  });
  const httplib::Server::Handler wrong_method = [this](const Request& req,
                                                       Response& res) {
    HandleWrongMethod(req, res);
  };
  http_.Get(kCaptureRoute, wrong_method);
  http_.Put(kCaptureRoute, wrong_method);
  http_.Patch(kCaptureRoute, wrong_method);
  http_.Delete(kCaptureRoute, wrong_method);
  http_.Get("/healthz", [this](const Request& req, Response& res) {
    HandleHealth(req, res);
  });

  // The confirmation routes; httplib sends HEAD to the GET handlers too.
  http_.Get(kConfirmPath, [this](const Request& req, Response& res) {
    HandleConfirmLink(req, res);
  });
  http_.Get("/", [this](const Request& req, Response& res) {
    HandleEspoConfirmLink(req, res);
  });
  http_.Post(kConfirmPath,
             [this](const Request& req, Response& res,
                    const httplib::ContentReader& content_reader) {
               HandleConfirmPost(req, res, content_reader);
             });
  const httplib::Server::Handler confirm_wrong_method = [](const Request&,
                                                           Response& res) {
    res.set_header("Allow", kConfirmAllowedMethods);
    WritePage(ErrorPage(405), res);
  };
  http_.Put(kConfirmPath, confirm_wrong_method);
  http_.Patch(kConfirmPath, confirm_wrong_method);
  http_.Delete(kConfirmPath, confirm_wrong_method);
  http_.Options(kConfirmPath, confirm_wrong_method);
}

absl::Status GatewayServer::Start() {
  if (started_) return absl::FailedPreconditionError("already started");
  absl::StatusOr<HostPort> address = ParseHostPort(options_.http_address);
  if (!address.ok()) return address.status();

  int port = address->port;
  if (port == 0) {
    port = http_.bind_to_any_port(address->host);
  } else if (!http_.bind_to_port(address->host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.http_address));
  }
  // The library listens with a backlog of 5, so a burst of new connections
  // would wait for SYN retries (1 s). Listening again raises it.
  if (listen_socket_ >= 0) ::listen(listen_socket_, kListenBacklog);
  port_ = port;
  started_ = true;

  // Stop() only works once the server runs, so wait for that (it is set at
  // once when the thread starts, or the thread ends).
  serving_done_ = false;
  serve_thread_ = std::thread([this] {
    http_.listen_after_bind();
    serving_done_ = true;
  });
  while (!http_.is_running() && !serving_done_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return absl::OkStatus();
}

void GatewayServer::Stop() {
  if (!started_) return;
  http_.stop();
  if (serve_thread_.joinable()) serve_thread_.join();
  started_ = false;
}

// == Capture route ==

void GatewayServer::HandleCapture(
    const Request& req, Response& res,
    const httplib::ContentReader& content_reader) {
  const std::string api_key = req.matches[1].str();
  const auto answer_error = [&res](const Cors& cors, const HttpError& error) {
    WriteNoCache(res);
    WriteCors(cors, res);
    WriteError(error, res);
  };

  // The entry point's policy decides CORS, and with the content type it
  // is checked before the body is read, so that every answer, a 413 too,
  // carries the entry point's CORS headers. The body is still read (or
  // dropped) on every path, so that the connection is left ready for its
  // next request whatever the answer.
  std::string body;
  HttpError read_error;
  OrError<Policy> policy = LookupPolicy(api_key);
  if (const HttpError* error = std::get_if<HttpError>(&policy)) {
    ReadBody(req, content_reader, res, 0, body, read_error);
    return answer_error(DefaultCors(), *error);
  }
  const Cors cors = DecideCors(std::get<Policy>(policy), req);
  std::optional<HttpError> early_error;
  if (!cors.origin_allowed) {
    early_error = OriginNotAllowedError();
  } else if (!IsJsonContentType(req.get_header_value("Content-Type"))) {
    early_error = UnsupportedMediaTypeError();
  }
  if (early_error.has_value()) {
    ReadBody(req, content_reader, res, 0, body, read_error);
    return answer_error(cors, *early_error);
  }
  if (!ReadBody(req, content_reader, res, options_.max_body_bytes, body,
                read_error)) {
    return answer_error(cors, read_error);
  }
  absl::StatusOr<google::protobuf::Struct> payload = ParseJsonPayload(body);
  if (!payload.ok()) {
    return answer_error(cors, InvalidJsonError(payload.status()));
  }

  if (std::optional<HttpError> error =
          CallCapture(req, api_key, *std::move(payload))) {
    return answer_error(cors, *error);
  }
  WriteNoCache(res);
  WriteCors(cors, res);
  res.status = 200;
  res.set_content("true", kJson);
}

std::optional<HttpError> GatewayServer::CallCapture(
    const Request& req, const std::string& api_key,
    google::protobuf::Struct payload) {
  const CaptureRequest request =
      MakeCaptureRequest(req, api_key, std::move(payload));
  std::unique_ptr<grpc::ClientContext> context =
      BackendContext(options_.backend_deadline);
  CaptureResponse response;
  const grpc::Status status =
      capture_stub_->Capture(context.get(), request, &response);
  if (!status.ok()) {
    return BackendError("Capture", status, context->GetServerTrailingMetadata(),
                        api_key);
  }
  NoteBackendReachable();
  return std::nullopt;
}

bool GatewayServer::ReadBody(const Request& req,
                             const httplib::ContentReader& content_reader,
                             Response& res, std::size_t limit,
                             std::string& body, HttpError& error) const {
  // A request with neither a length nor chunks has no body (RFC 9112 6.3);
  // httplib would wait for the connection to close instead.
  const std::string transfer_encoding =
      req.get_header_value("Transfer-Encoding");
  if (!transfer_encoding.empty() &&
      !absl::EqualsIgnoreCase(transfer_encoding, "chunked")) {
    res.set_header("Connection", "close");  // The body is left unread.
    error = BadRequestError(400);
    return false;
  }
  if (transfer_encoding.empty() && !req.has_header("Content-Length")) {
    return true;
  }

  // Past the limit, the rest is read and dropped up to a bound, so that a
  // slightly large body still leaves the connection usable; beyond it the
  // read stops and the connection breaks.
  const std::size_t drain_limit = std::max<std::size_t>(16 * limit, 1 << 20);
  std::size_t received = 0;
  const httplib::ContentReceiver receiver = [&](const char* data,
                                                std::size_t size) {
    received += size;
    if (received <= limit) body.append(data, size);
    return received <= drain_limit;
  };
  // httplib parses a multipart body itself, and reads it only through its
  // two-callback form (the one-callback form would call an empty
  // function). No route takes multipart, so the parts are only counted.
  const bool read =
      req.is_multipart_form_data()
          ? content_reader(
                [](const httplib::MultipartFormData&) { return true; },
                receiver)
          : content_reader(receiver);
  // The connection cannot be trusted for another request.
  if (!read) res.set_header("Connection", "close");
  // httplib itself answers 413 to a Content-Length above the limit.
  if (received > limit || res.status == 413) {
    error = PayloadTooLargeError(limit);
    return false;
  }
  if (!read) {
    error = BadRequestError(400);
    return false;
  }
  return true;
}

void GatewayServer::HandlePreflight(const Request& req, Response& res) {
  const std::string api_key = req.matches[1].str();
  OrError<Policy> policy = LookupPolicy(api_key);
  if (const HttpError* error = std::get_if<HttpError>(&policy)) {
    WriteCors(DefaultCors(), res);
    WriteError(*error, res);
    return;
  }
  const Cors cors = DecideCors(std::get<Policy>(policy), req);
  WriteCors(cors, res);
  if (!cors.origin_allowed) {
    WriteError(OriginNotAllowedError(), res);
    return;
  }
  res.status = 200;
  res.set_header("Access-Control-Allow-Methods", kAllowedMethods);
  res.set_header("Access-Control-Allow-Headers", kAllowedHeaders);
  res.set_header("Access-Control-Max-Age", kPreflightMaxAge);
}

void GatewayServer::HandleWrongMethod(const Request&, Response& res) {
  res.set_header("Allow", kAllowedMethods);
  WriteNoCache(res);
  WriteCors(DefaultCors(), res);
  WriteError(MethodNotAllowedError(), res);
}

GatewayServer::OrError<Policy> GatewayServer::LookupPolicy(
    const std::string& api_key) {
  if (!LooksLikeApiKey(api_key)) return UnknownApiKeyError();
  if (std::optional<Policy> cached = policy_cache_.Lookup(api_key)) {
    return *std::move(cached);
  }

  GetPolicyRequest request;
  request.set_api_key(api_key);
  Policy policy;
  std::unique_ptr<grpc::ClientContext> context =
      BackendContext(options_.backend_deadline);
  const grpc::Status status =
      capture_stub_->GetPolicy(context.get(), request, &policy);
  if (!status.ok()) {
    return BackendError("GetPolicy", status,
                        context->GetServerTrailingMetadata(), api_key);
  }
  NoteBackendReachable();
  policy_cache_.Insert(api_key, policy);
  return policy;
}

HttpError GatewayServer::BackendError(absl::string_view method,
                                      const grpc::Status& status,
                                      const GrpcTrailers& trailers,
                                      const std::string& secret) {
  HttpError error = HttpErrorFromGrpc(status, trailers);
  error.message = RedactSecret(error.message, secret);
  if (error.status == 503) {
    // Logged when the backend goes away, not on every request after.
    if (!backend_down_.exchange(true)) {
      LogError("backend %s unreachable (%s): %s", options_.backend, method,
               RedactSecret(status.error_message(), secret));
    }
    return error;
  }
  NoteBackendReachable();
  if (error.status == 500) {
    LogError("backend call %s failed with gRPC code %d: %s", method,
             static_cast<int>(status.error_code()),
             RedactSecret(status.error_message(), secret));
  }
  return error;
}

void GatewayServer::NoteBackendReachable() {
  if (backend_down_.exchange(false)) {
    LogInfo("backend %s reachable again", options_.backend);
  }
}

CaptureRequest GatewayServer::MakeCaptureRequest(
    const Request& req, const std::string& api_key,
    google::protobuf::Struct payload) const {
  CaptureRequest request;
  request.set_api_key(api_key);
  request.mutable_payload()->Swap(&payload);
  leadcapture::v1::ClientContext* client = request.mutable_client();
  client->set_ip(ClientIp(req));
  client->set_user_agent(
      ToValidUtf8(req.get_header_value("User-Agent"), kMaxClientHeaderBytes));
  client->set_origin(
      ToValidUtf8(req.get_header_value("Origin"), kMaxClientHeaderBytes));
  return request;
}

// == CORS ==

GatewayServer::Cors GatewayServer::DefaultCors() const {
  Cors cors;
  cors.allow_origin = options_.allow_origin;
  return cors;
}

GatewayServer::Cors GatewayServer::DecideCors(const Policy& policy,
                                              const Request& req) const {
  Cors cors = DefaultCors();
  if (policy.allowed_origins().empty()) return cors;

  // With a list, the answer depends on Origin. A request without one comes
  // from a server, not a browser, and is served.
  cors.vary_origin = true;
  if (!req.has_header("Origin")) return cors;
  const std::string origin = req.get_header_value("Origin");
  for (const std::string& allowed : policy.allowed_origins()) {
    if (SameOrigin(allowed, origin)) {
      cors.allow_origin = SafeHeaderValue(origin);
      return cors;
    }
  }
  cors.origin_allowed = false;
  return cors;
}

void GatewayServer::WriteCors(const Cors& cors, Response& res) {
  res.set_header("Access-Control-Allow-Origin", cors.allow_origin);
  if (cors.vary_origin) res.set_header("Vary", "Origin");
  res.set_header("Access-Control-Expose-Headers", kExposedHeaders);
}

// == Health ==

void GatewayServer::HandleHealth(const Request&, Response& res) {
  grpc::health::v1::HealthCheckRequest request;  // "": the whole server.
  grpc::health::v1::HealthCheckResponse response;
  std::unique_ptr<grpc::ClientContext> context = BackendContext(
      std::min(options_.health_deadline, options_.backend_deadline));
  const grpc::Status status =
      health_stub_->Check(context.get(), request, &response);
  res.set_header("Cache-Control", "no-store");
  if (status.ok() &&
      response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
    res.status = 200;
    res.set_content(R"({"status":"ok"})", kJson);
    return;
  }
  WriteError(UnavailableError(status.ok() ? "the backend is not serving"
                                          : "the backend is unreachable"),
             res);
}

// == Opt-in confirmation ==

void GatewayServer::HandleConfirmLink(const Request& req, Response& res) {
  // The form posts to a relative URL, so that it also works behind a proxy
  // that serves the gateway under a path prefix.
  WritePage(LinkPage(req, OnlyParam(req, "token"), "confirm"), res);
}

void GatewayServer::HandleEspoConfirmLink(const Request& req, Response& res) {
  if (OnlyParam(req, "entryPoint") != "confirmOptIn") {
    return WritePage(ErrorPage(404), res);
  }
  WritePage(LinkPage(req, OnlyParam(req, "id"), "optin/confirm"), res);
}

void GatewayServer::HandleConfirmPost(
    const Request& req, Response& res,
    const httplib::ContentReader& content_reader) {
  std::string body;
  HttpError read_error;
  // The type is checked first; the body is then only dropped.
  if (!IsFormContentType(req.get_header_value("Content-Type"))) {
    ReadBody(req, content_reader, res, 0, body, read_error);
    return WritePage(ErrorPage(415), res);
  }
  if (!ReadBody(req, content_reader, res, kMaxConfirmBodyBytes, body,
                read_error)) {
    return WritePage(ErrorPage(read_error.status), res);
  }
  const std::vector<std::string> tokens = FormFieldValues(body, "token");
  WritePage(ConfirmPage(req, tokens.size() == 1 ? tokens[0] : ""), res);
}

HtmlPage GatewayServer::LinkPage(const Request& req, const std::string& token,
                                 absl::string_view form_action) {
  if (!LooksLikeOptInToken(token)) return UnknownLinkPage();
  OrError<InspectResponse> inspected = CallInspect(token);
  if (const HttpError* error = std::get_if<HttpError>(&inspected)) {
    return PageForBackendError(*error);
  }
  const InspectResponse& inspect = std::get<InspectResponse>(inspected);

  if (inspect.state() == leadcapture::v1::UNKNOWN) return UnknownLinkPage();
  if (inspect.state() == leadcapture::v1::PENDING &&
      inspect.confirm_with_button()) {
    return ConfirmButtonPage(token, form_action);
  }
  // HEAD is safe: link checkers confirm nothing, and get the status that a
  // GET would (the body is not sent).
  if (req.method == "HEAD") {
    return inspect.state() == leadcapture::v1::EXPIRED ? ExpiredPage()
                                                       : SuccessPage("");
  }
  return ConfirmPage(req, token);
}

HtmlPage GatewayServer::ConfirmPage(const Request& req,
                                    const std::string& token) {
  if (!LooksLikeOptInToken(token)) return UnknownLinkPage();
  OrError<ConfirmResponse> confirmed = CallConfirm(req, token);
  if (const HttpError* error = std::get_if<HttpError>(&confirmed)) {
    return PageForBackendError(*error);
  }
  const ConfirmResponse& response = std::get<ConfirmResponse>(confirmed);

  if (response.state() == leadcapture::v1::EXPIRED) return ExpiredPage();
  if (response.state() != leadcapture::v1::CONFIRMED) {
    LogError("backend call Confirm answered opt-in state %d",
             static_cast<int>(response.state()));
    return ErrorPage(500);
  }
  if (!response.success_redirect_url().empty()) {
    if (std::optional<HtmlPage> redirect =
            RedirectPage(response.success_redirect_url())) {
      return *std::move(redirect);
    }
    LogError(
        "backend call Confirm gave a success redirect URL that is not an "
        "http or https URL; showing the success page instead");
  }
  return SuccessPage(response.success_html());
}

GatewayServer::OrError<InspectResponse> GatewayServer::CallInspect(
    const std::string& token) {
  InspectRequest request;
  request.set_token(token);
  std::unique_ptr<grpc::ClientContext> context =
      BackendContext(options_.backend_deadline);
  InspectResponse response;
  const grpc::Status status =
      opt_in_stub_->Inspect(context.get(), request, &response);
  if (!status.ok()) {
    return BackendError("Inspect", status, context->GetServerTrailingMetadata(),
                        token);
  }
  NoteBackendReachable();
  return response;
}

GatewayServer::OrError<ConfirmResponse> GatewayServer::CallConfirm(
    const Request& req, const std::string& token) {
  ConfirmRequest request;
  request.set_token(token);
  request.set_client_ip(ClientIp(req));
  request.set_user_agent(
      ToValidUtf8(req.get_header_value("User-Agent"), kMaxClientHeaderBytes));
  std::unique_ptr<grpc::ClientContext> context =
      BackendContext(options_.backend_deadline);
  ConfirmResponse response;
  const grpc::Status status =
      opt_in_stub_->Confirm(context.get(), request, &response);
  if (!status.ok()) {
    return BackendError("Confirm", status, context->GetServerTrailingMetadata(),
                        token);
  }
  NoteBackendReachable();
  return response;
}

HtmlPage GatewayServer::PageForBackendError(const HttpError& error) {
  // The token is all that the request says, so a token that the backend
  // finds malformed is as unknown as one it does not know.
  if (error.status == 404 || error.status == 400) return UnknownLinkPage();
  if (error.status == 503) return UnavailablePage();
  HtmlPage page = ErrorPage(error.status);
  page.retry_after_seconds = error.retry_after_seconds;
  return page;
}

void GatewayServer::WritePage(const HtmlPage& page, Response& res) {
  res.status = page.status;
  for (const auto& [name, value] : PageHeaders()) res.set_header(name, value);
  if (!page.location.empty()) res.set_header("Location", page.location);
  if (page.retry_after_seconds > 0) {
    res.set_header("Retry-After", std::to_string(page.retry_after_seconds));
  }
  res.set_content(page.html, kHtml);
}

// == Errors outside the handlers ==

HandlerResponse GatewayServer::HandleHttpError(const Request& req,
                                               Response& res) {
  // Every handler answers errors with a body of its own.
  if (!res.body.empty()) return HandlerResponse::Unhandled;

  const bool capture_route = IsCapturePath(req.path);
  HttpError error;
  if (res.status == 413) {
    error = PayloadTooLargeError(options_.max_body_bytes);
  } else if (res.status == 404) {
    error = RouteNotFoundError();
  } else if (capture_route && !IsRoutedMethod(req.method)) {
    error = MethodNotAllowedError();
    res.set_header("Allow", kAllowedMethods);
  } else if (res.status >= 500) {
    error = InternalError();
  } else {
    error = BadRequestError(res.status);
  }
  if (capture_route) {
    WriteNoCache(res);
    WriteCors(DefaultCors(), res);
  }
  WriteError(error, res);
  return HandlerResponse::Handled;
}

void GatewayServer::HandleException(const Request& req, Response& res,
                                    std::exception_ptr exception) {
  std::string what = "unknown exception";
  try {
    if (exception) std::rethrow_exception(exception);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  LogError("request %s %s failed: %s", SafeHeaderValue(req.method),
           IsCapturePath(req.path) ? kCapturePrefix : req.path, what);
  res.headers.clear();
  if (IsCapturePath(req.path)) WriteCors(DefaultCors(), res);
  WriteError(InternalError(), res);
}

void GatewayServer::LogAccess(const Request& req, const Response& res) {
  const std::string path = LoggedPath(req);
  const std::string user_agent = absl::StrReplaceAll(
      SafeHeaderValue(req.get_header_value("User-Agent"), 256), {{"\"", "'"}});
  std::string duration = "-";
  if (request_start != absl::InfinitePast()) {
    duration = absl::StrFormat(
        "%.3f", absl::ToDoubleMilliseconds(absl::Now() - request_start));
    request_start = absl::InfinitePast();
  }
  LogInfo(
      "access method=%s path=%s status=%d ip=%s bytes_in=%s bytes_out=%d "
      "ms=%s ua=\"%s\"",
      SafeHeaderValue(req.method, 16), path, res.status, ClientIp(req),
      req.has_header("Content-Length")
          ? SafeHeaderValue(req.get_header_value("Content-Length"), 20)
          : "-",
      res.body.size(), duration, user_agent);
}

// == Helpers ==

std::string GatewayServer::ClientIp(const Request& req) const {
  std::vector<std::string> forwarded_for;
  auto range = req.headers.equal_range("X-Forwarded-For");
  for (auto it = range.first; it != range.second; ++it) {
    forwarded_for.push_back(it->second);
  }
  return ToValidUtf8(client_ips_.Resolve(req.remote_addr, forwarded_for), 64);
}

std::unique_ptr<grpc::ClientContext> GatewayServer::BackendContext(
    absl::Duration deadline) const {
  auto context = std::make_unique<grpc::ClientContext>();
  // No wait_for_ready: a stopped backend fails the call at once with
  // UNAVAILABLE instead of holding the request until the deadline.
  context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  return context;
}

}  // namespace leadcapture::gateway
