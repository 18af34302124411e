#include "tests/integration/mailbox.h"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/util/random.h"

namespace leadcapture::testing {
namespace {

namespace fs = std::filesystem;
using mail::testing::DecodeHeader;
using mail::testing::DecodeQuotedPrintable;
using mail::testing::MimeEntity;
using mail::testing::MultipartParts;
using mail::testing::ParseEntity;

// The SMTP server stores a mail by renaming it into new/ when it is whole,
// and says so in no other way: poll.
constexpr absl::Duration kPollStep = absl::Milliseconds(1);

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The decoded body of a leaf part.
std::string DecodedBody(const MimeEntity& entity) {
  if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(
                                 entity.Header("Content-Transfer-Encoding")),
                             "quoted-printable")) {
    return DecodeQuotedPrintable(entity.body);
  }
  return entity.body;
}

bool IsType(const MimeEntity& entity, absl::string_view type) {
  return absl::StartsWithIgnoreCase(
      absl::StripLeadingAsciiWhitespace(entity.Header("Content-Type")), type);
}

}  // namespace

ReceivedMail ParseReceivedMail(const std::string& file,
                               const std::string& raw) {
  ReceivedMail mail;
  mail.file = file;
  mail.raw = raw;
  mail.message = ParseEntity(raw);
  mail.subject = DecodeHeader(mail.message.Header("Subject"));
  if (IsType(mail.message, "multipart/")) {
    for (const MimeEntity& part : MultipartParts(mail.message)) {
      if (IsType(part, "text/plain")) mail.text = DecodedBody(part);
      if (IsType(part, "text/html")) mail.html = DecodedBody(part);
    }
  } else {
    mail.text = DecodedBody(mail.message);
  }
  return mail;
}

std::vector<ReceivedMail> MailsTo(const std::string& maildir,
                                  const std::string& address) {
  std::vector<std::pair<fs::file_time_type, std::string>> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(maildir + "/new", error)) {
    std::error_code time_error;
    files.emplace_back(entry.last_write_time(time_error),
                       entry.path().string());
  }
  std::sort(files.begin(), files.end());

  std::vector<ReceivedMail> mails;
  const std::string wanted = absl::AsciiStrToLower(address);
  for (const auto& [time, file] : files) {
    std::string raw = ReadWholeFile(file);
    MimeEntity headers = ParseEntity(raw);
    if (!absl::StrContains(absl::AsciiStrToLower(headers.Header("To")),
                           wanted)) {
      continue;
    }
    mails.push_back(ParseReceivedMail(file, raw));
  }
  return mails;
}

std::vector<ReceivedMail> WaitForMailsTo(const std::string& maildir,
                                         const std::string& address,
                                         std::size_t count,
                                         absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<ReceivedMail> mails;
  // Mails are only ever added, so the Maildir is read again only when the
  // number of its files has changed.
  std::ptrdiff_t files_read = -1;
  while (true) {
    std::error_code error;
    const auto files =
        std::distance(fs::directory_iterator(maildir + "/new", error),
                      fs::directory_iterator());
    if (files != files_read) {
      mails = MailsTo(maildir, address);
      files_read = files;
    }
    if (mails.size() >= count || absl::Now() >= deadline) return mails;
    absl::SleepFor(kPollStep);
  }
}

std::string UniqueAddress(const std::string& name) {
  return absl::StrCat(name, ".", RandomHex(6), "@optin.example");
}

absl::StatusOr<TestMailServer*> TestMailServer::Get() {
  // Destroyed at exit, which stops a server of this process's own.
  static std::unique_ptr<TestMailServer> server;
  if (server != nullptr) return server.get();

  auto made = std::unique_ptr<TestMailServer>(new TestMailServer());
  const char* port = std::getenv("LEADCAPTURE_TEST_SMTP_PORT");
  const char* maildir = std::getenv("LEADCAPTURE_TEST_MAILDIR");
  if (port != nullptr && maildir != nullptr) {
    if (!absl::SimpleAtoi(port, &made->port_) || made->port_ <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "LEADCAPTURE_TEST_SMTP_PORT is not a port: \"", port, "\""));
    }
    made->maildir_ = maildir;
  } else {
    auto dir = mail::testing::TempDir::Create();
    if (!dir.ok()) return dir.status();
    made->dir_ = *std::move(dir);
    auto started = mail::testing::SmtpServer::Start(made->dir_->path());
    if (!started.ok()) return started.status();
    made->server_ = *std::move(started);
    made->port_ = made->server_->port();
    made->maildir_ = made->dir_->path() + "/maildir";
  }
  server = std::move(made);
  return server.get();
}

std::string TestMailServer::url() const {
  return absl::StrCat("smtp://127.0.0.1:", port_);
}

}  // namespace leadcapture::testing
