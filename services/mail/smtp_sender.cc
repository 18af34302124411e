#include "services/mail/smtp_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"

namespace leadcapture::mail {
namespace {

constexpr absl::string_view kSmtpScheme = "smtp://";
constexpr absl::string_view kSmtpsScheme = "smtps://";

// curl_global_init is not thread-safe and must run once per process, before
// any other libcurl call.
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// The message libcurl reads, and how far it has read.
struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t count,
                       void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t left = upload->data->size() - upload->offset;
  const std::size_t n = std::min(left, size * count);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// The part of the URL after the scheme, up to its path.
absl::string_view Authority(absl::string_view url) {
  const std::size_t start = url.find("://");
  if (start == absl::string_view::npos) return {};
  absl::string_view rest = url.substr(start + 3);
  return rest.substr(0, rest.find('/'));
}

// The URL libcurl gets: libcurl takes the EHLO name from its path.
std::string UrlWithHelo(const SmtpOptions& options) {
  const absl::string_view url = options.url;
  const std::size_t start = url.find("://");
  if (start != absl::string_view::npos &&
      url.find('/', start + 3) != absl::string_view::npos) {
    return options.url;
  }
  std::string helo;
  for (char c : options.helo_domain) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
        c == '-') {
      helo.push_back(c);
    }
  }
  if (helo.empty()) helo = "localhost";
  return absl::StrCat(options.url, "/", helo);
}

bool IsUsableAddress(absl::string_view address) {
  for (char c : address) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == '<' || c == '>') return false;
  }
  return true;
}

// The status of a failed transfer. A 5xx reply is final unless it is about
// this client rather than the message (530: authentication or STARTTLS
// required), which a change of configuration can fix.
absl::Status TransferStatus(CURLcode code, long reply, absl::string_view detail,
                            absl::string_view password) {
  std::string message =
      absl::StrCat("SMTP delivery failed: ", curl_easy_strerror(code));
  if (!detail.empty()) absl::StrAppend(&message, " (", detail, ")");
  if (reply != 0) absl::StrAppend(&message, "; last server reply ", reply);
  if (!password.empty()) {
    message = absl::StrReplaceAll(message, {{password, "***"}});
  }

  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
      return absl::InvalidArgumentError(message);
    case CURLE_SEND_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_RECV_ERROR:
      if (reply >= 500 && reply <= 599 && reply != 530) {
        return absl::FailedPreconditionError(message);
      }
      return absl::UnavailableError(message);
    default:
      return absl::UnavailableError(message);
  }
}

}  // namespace

absl::Status ValidateSmtpOptions(const SmtpOptions& options) {
  if (!absl::StartsWith(options.url, kSmtpScheme) &&
      !absl::StartsWith(options.url, kSmtpsScheme)) {
    return absl::InvalidArgumentError(
        "the SMTP URL must start with smtp:// or smtps://");
  }
  const absl::string_view authority = Authority(options.url);
  if (authority.empty()) {
    return absl::InvalidArgumentError("the SMTP URL names no host");
  }
  // Credentials in the URL would end up wherever the URL is shown.
  if (absl::StrContains(authority, '@')) {
    return absl::InvalidArgumentError(
        "the SMTP URL must not hold credentials; set the username and "
        "password on their own");
  }
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the SMTP timeout must be positive");
  }
  return absl::OkStatus();
}

SmtpSender::SmtpSender(SmtpOptions options)
    : options_(std::move(options)), url_(UrlWithHelo(options_)) {
  InitCurlOnce();
}

absl::Status SmtpSender::Send(const std::string& from, const std::string& to,
                              const std::string& mime) {
  if (absl::Status valid = ValidateSmtpOptions(options_); !valid.ok()) {
    return valid;
  }
  if (!IsUsableAddress(from) || !IsUsableAddress(to)) {
    return absl::FailedPreconditionError(
        "the sender or recipient address holds a character no address may "
        "hold");
  }

  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  std::unique_ptr<curl_slist, SlistDeleter> recipients(
      curl_slist_append(nullptr, absl::StrCat("<", to, ">").c_str()));
  if (curl == nullptr || recipients == nullptr) {
    return absl::InternalError("cannot set up a libcurl transfer");
  }
  char error[CURL_ERROR_SIZE] = {};
  SetConnectionOptions(curl.get(), error);

  const std::string mail_from = absl::StrCat("<", from, ">");
  Upload upload{&mime};
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(handle, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE,
                   static_cast<curl_off_t>(mime.size()));
  curl_easy_setopt(handle, CURLOPT_READFUNCTION, &ReadUpload);
  curl_easy_setopt(handle, CURLOPT_READDATA, &upload);

  const CURLcode code = curl_easy_perform(handle);
  if (code == CURLE_OK) return absl::OkStatus();
  long reply = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &reply);
  return TransferStatus(code, reply, error, options_.password);
}

void SmtpSender::SetConnectionOptions(CURL* handle, char* error) const {
  const long timeout_ms =
      static_cast<long>(absl::ToInt64Milliseconds(options_.timeout));
  curl_easy_setopt(handle, CURLOPT_URL, url_.c_str());
  // Nothing but SMTP, whatever the URL says.
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
  if (absl::StartsWith(options_.url, kSmtpScheme)) {
    curl_easy_setopt(handle, CURLOPT_USE_SSL,
                     options_.require_starttls
                         ? static_cast<long>(CURLUSESSL_ALL)
                         : static_cast<long>(CURLUSESSL_TRY));
  }
  if (!options_.ca_file.empty()) {
    curl_easy_setopt(handle, CURLOPT_CAINFO, options_.ca_file.c_str());
  }
  if (!options_.username.empty()) {
    curl_easy_setopt(handle, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, options_.password.c_str());
  }
}

}  // namespace leadcapture::mail
