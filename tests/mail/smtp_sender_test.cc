// SmtpSender against a real SMTP server (aiosmtpd) started by each test.
#include "services/mail/smtp_sender.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/mail/mime.h"
#include "tests/testing/mime_reader.h"
#include "tests/testing/smtp_server.h"
#include "tests/testing/status_matchers.h"

namespace leadcapture::mail {
namespace {

using ::leadcapture::mail::testing::DecodeHeader;
using ::leadcapture::mail::testing::DecodeQuotedPrintable;
using ::leadcapture::mail::testing::FreePort;
using ::leadcapture::mail::testing::MimeEntity;
using ::leadcapture::mail::testing::MultipartParts;
using ::leadcapture::mail::testing::ParseEntity;
using ::leadcapture::mail::testing::SmtpServer;
using ::leadcapture::mail::testing::SmtpServerOptions;
using ::leadcapture::mail::testing::TempDir;
using ::leadcapture::mail::testing::ToLf;
using ::leadcapture::testing::IsOk;
using ::leadcapture::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kParty[] = "\xF0\x9F\x8E\x89";
constexpr char kUser[] = "mailer";
constexpr char kPassword[] = "pw-Secret-4711";

// A short message with plain 8-bit text, as some callers may hand over.
std::string RawMessage(absl::string_view extra_header, absl::string_view body) {
  return absl::StrCat("From: news@example.com\r\n", "To: anna@example.org\r\n",
                      "Subject: raw\r\n", extra_header, "MIME-Version: 1.0\r\n",
                      "Content-Type: text/plain; charset=UTF-8\r\n",
                      "Content-Transfer-Encoding: 8bit\r\n", "\r\n", body);
}

// The server with the test handler (see smtp_test_handlers.py), with AUTH
// for this user when one is given.
SmtpServerOptions TestHandler(std::string username = "",
                              std::string password = "") {
  SmtpServerOptions options;
  options.test_handler = true;
  options.username = std::move(username);
  options.password = std::move(password);
  return options;
}

// What Python's e-mail package makes of a stored mail.
nlohmann::json DecodeWithPython(const std::string& file) {
  const std::string command =
      absl::StrCat("PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 ",
                   MAIL_TEST_SOURCE_DIR, "/decode_mail.py '", file, "'");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return nullptr;
  std::string output;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output.append(buffer, n);
  }
  if (pclose(pipe) != 0) return nullptr;
  return nlohmann::json::parse(output, nullptr, /*allow_exceptions=*/false);
}

class SmtpSenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create();
    ASSERT_THAT(dir, IsOk());
    dir_ = std::move(dir).value();
  }

  // Starts the server; with `tls`, with a new certificate in cert_file().
  void StartServer(SmtpServerOptions options, bool tls = false) {
    if (tls) {
      ASSERT_THAT(testing::WriteSelfSignedCertificate(
                      cert_file(), dir_->path() + "/key.pem"),
                  IsOk());
      options.tls_cert = cert_file();
      options.tls_key = dir_->path() + "/key.pem";
    }
    auto server = SmtpServer::Start(dir_->path(), options);
    ASSERT_THAT(server, IsOk());
    server_ = std::move(server).value();
  }

  SmtpOptions Options() const {
    SmtpOptions options;
    options.url = server_->url();
    options.timeout = absl::Seconds(10);
    return options;
  }

  std::string cert_file() const { return dir_->path() + "/cert.pem"; }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<SmtpServer> server_;
};

TEST_F(SmtpSenderTest, DeliversMimeWithHeadersAndBodyIntact) {
  StartServer({});
  MailMessage message;
  message.from_address = "news@example.com";
  message.from_name = absl::StrCat("M\xC3\xBCller ", kParty, " News");
  message.to_address = "anna@example.org";
  message.subject = absl::StrCat("Bitte best\xC3\xA4tigen ", kParty);
  message.text_body =
      absl::StrCat("Hallo Anna ", kParty, "\n.\n..\n.leading dot\n",
                   "https://example.com/optin/confirm?token=a-b_c\n.\n");
  message.html_body = absl::StrCat("<p>Hallo Anna ", kParty, "</p>\n.\n");
  message.date = absl::FromUnixSeconds(1700000000);
  message.message_id = NewMessageId("example.com");
  SmtpSender sender(Options());

  ASSERT_THAT(sender.Send("bounces@example.com", "anna@example.org",
                          BuildMime(message)),
              IsOk());

  ASSERT_TRUE(server_->WaitForMails(1, absl::Seconds(5)));
  const std::vector<std::string> files = server_->MailFiles();
  ASSERT_THAT(files, SizeIs(1));
  const MimeEntity mail = ParseEntity(server_->Mails()[0]);
  EXPECT_EQ(mail.Header("X-MailFrom"), "bounces@example.com");
  EXPECT_EQ(mail.Header("X-RcptTo"), "anna@example.org");
  EXPECT_EQ(mail.Header("Auto-Submitted"), "auto-generated");
  EXPECT_EQ(mail.Header("Message-ID"), message.message_id);
  EXPECT_EQ(DecodeHeader(mail.Header("Subject")), message.subject);
  EXPECT_EQ(DecodeHeader(mail.Header("From")),
            absl::StrCat(message.from_name, " <news@example.com>"));
  const std::vector<MimeEntity> parts = MultipartParts(mail);
  ASSERT_THAT(parts, SizeIs(2));
  EXPECT_EQ(DecodeQuotedPrintable(parts[0].body), message.text_body);
  EXPECT_EQ(DecodeQuotedPrintable(parts[1].body), message.html_body);

  // A mail client's parser reads the same.
  const nlohmann::json decoded = DecodeWithPython(files[0]);
  ASSERT_TRUE(decoded.is_object());
  EXPECT_EQ(decoded["subject"], message.subject);
  EXPECT_EQ(decoded["from_name"], message.from_name);
  EXPECT_EQ(decoded["from_address"], "news@example.com");
  EXPECT_EQ(decoded["auto_submitted"], "auto-generated");
  EXPECT_EQ(decoded["content_type"], "multipart/alternative");
  EXPECT_THAT(decoded["defects"], IsEmpty());
  ASSERT_THAT(decoded["parts"], SizeIs(2));
  EXPECT_EQ(decoded["parts"][0]["content_type"], "text/plain");
  EXPECT_EQ(decoded["parts"][0]["charset"], "utf-8");
  EXPECT_EQ(decoded["parts"][0]["text"], message.text_body);
  EXPECT_EQ(decoded["parts"][1]["content_type"], "text/html");
  EXPECT_EQ(decoded["parts"][1]["text"], message.html_body);
}

TEST_F(SmtpSenderTest, LinesOfDotsSurviveBecauseTheClientDotStuffs) {
  StartServer({});
  // On the wire these lines would end the DATA phase early if the client
  // did not double their leading dot.
  const std::string body =
      ".\r\n..\r\n...\r\n.\r\nQUIT\r\n. \r\n.end\r\nlast line\r\n.\r\n";
  SmtpSender sender(Options());

  ASSERT_THAT(
      sender.Send("news@example.com", "anna@example.org", RawMessage("", body)),
      IsOk());

  ASSERT_TRUE(server_->WaitForMails(1, absl::Seconds(5)));
  EXPECT_EQ(ParseEntity(server_->Mails()[0]).body, ToLf(body));
}

TEST_F(SmtpSenderTest, ServerNotRunningIsUnavailableQuickly) {
  const absl::StatusOr<int> port = FreePort();
  ASSERT_THAT(port, IsOk());
  SmtpOptions options;
  options.url = absl::StrCat("smtp://127.0.0.1:", *port);
  SmtpSender sender(options);

  const absl::Time start = absl::Now();
  const absl::Status status =
      sender.Send("news@example.com", "anna@example.org", RawMessage("", "x"));

  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(SmtpSenderTest, ServerThatNeverAnswersTimesOutAsUnavailable) {
  // A listening socket nobody serves: the connection is made, no greeting
  // ever comes.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  SmtpOptions options;
  options.url = absl::StrCat("smtp://127.0.0.1:", ntohs(address.sin_port));
  options.timeout = absl::Milliseconds(500);
  SmtpSender sender(options);

  const absl::Time start = absl::Now();
  const absl::Status status =
      sender.Send("news@example.com", "anna@example.org", RawMessage("", "x"));
  const absl::Duration elapsed = absl::Now() - start;
  close(fd);

  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_GE(elapsed, absl::Milliseconds(400));
  EXPECT_LT(elapsed, absl::Seconds(3));
}

TEST_F(SmtpSenderTest, UnknownRecipientIsFailedPrecondition) {
  StartServer(TestHandler());
  SmtpSender sender(Options());

  const absl::Status status = sender.Send(
      "news@example.com", "no-such-user@example.org", RawMessage("", "x"));

  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("550")));
  EXPECT_THAT(server_->MailFiles(), IsEmpty());
}

TEST_F(SmtpSenderTest, TemporaryRecipientFailureIsUnavailable) {
  StartServer(TestHandler());
  SmtpSender sender(Options());

  const absl::Status status = sender.Send(
      "news@example.com", "temporary-failure@example.org", RawMessage("", "x"));

  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("451")));
  EXPECT_THAT(server_->MailFiles(), IsEmpty());
}

TEST_F(SmtpSenderTest, RejectionAfterDataIsFinalFor5xxAndTemporaryFor4xx) {
  StartServer(TestHandler());
  SmtpSender sender(Options());

  EXPECT_THAT(
      sender.Send("news@example.com", "anna@example.org",
                  RawMessage("X-Test-Reject: permanent\r\n", "x")),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("554")));
  EXPECT_THAT(sender.Send("news@example.com", "anna@example.org",
                          RawMessage("X-Test-Reject: temporary\r\n", "x")),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("451")));
  EXPECT_THAT(server_->MailFiles(), IsEmpty());
}

TEST_F(SmtpSenderTest, RequiredStarttlsFailsWhenTheServerHasNone) {
  StartServer(TestHandler());
  SmtpOptions options = Options();
  options.require_starttls = true;
  SmtpSender sender(options);

  EXPECT_THAT(
      sender.Send("news@example.com", "anna@example.org", RawMessage("", "x")),
      StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(server_->MailFiles(), IsEmpty());
}

TEST_F(SmtpSenderTest, StarttlsAndAuthDeliver) {
  StartServer(TestHandler(kUser, kPassword), /*tls=*/true);
  SmtpOptions options = Options();
  options.require_starttls = true;
  options.ca_file = cert_file();
  options.username = kUser;
  options.password = kPassword;
  SmtpSender sender(options);

  ASSERT_THAT(sender.Send("news@example.com", "anna@example.org",
                          RawMessage("", "over TLS\r\n")),
              IsOk());

  ASSERT_TRUE(server_->WaitForMails(1, absl::Seconds(5)));
  const MimeEntity mail = ParseEntity(server_->Mails()[0]);
  EXPECT_EQ(mail.Header("X-Test-TLS"), "yes");
  EXPECT_EQ(mail.Header("X-Test-Authenticated-As"), kUser);
  EXPECT_EQ(mail.body, "over TLS\n");
}

TEST_F(SmtpSenderTest, SmtpsDeliversOverTlsFromTheFirstByte) {
  // This server speaks nothing but TLS. (aiosmtpd offers AUTH only after
  // STARTTLS, so AUTH is tested with STARTTLS above.)
  SmtpServerOptions server = TestHandler();
  server.implicit_tls = true;
  StartServer(server, /*tls=*/true);
  SmtpOptions options = Options();
  ASSERT_THAT(options.url, ::testing::StartsWith("smtps://"));
  SmtpSender untrusting(options);
  options.ca_file = cert_file();
  SmtpSender sender(options);

  EXPECT_THAT(untrusting.Send("news@example.com", "anna@example.org",
                              RawMessage("", "x\r\n")),
              StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_THAT(sender.Send("news@example.com", "anna@example.org",
                          RawMessage("", "over SMTPS\r\n")),
              IsOk());

  ASSERT_TRUE(server_->WaitForMails(1, absl::Seconds(5)));
  EXPECT_THAT(server_->Mails(), SizeIs(1));
  EXPECT_EQ(ParseEntity(server_->Mails()[0]).body, "over SMTPS\n");
}

TEST_F(SmtpSenderTest, WrongPasswordIsUnavailableAndNeverEchoed) {
  StartServer(TestHandler(kUser, kPassword), /*tls=*/true);
  SmtpOptions options = Options();
  options.require_starttls = true;
  options.ca_file = cert_file();
  options.username = kUser;
  options.password = "wrong-Password-0815";
  SmtpSender sender(options);

  const absl::Status status =
      sender.Send("news@example.com", "anna@example.org", RawMessage("", "x"));

  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(status.message()),
              Not(HasSubstr("wrong-Password-0815")));
  EXPECT_THAT(server_->MailFiles(), IsEmpty());
}

TEST_F(SmtpSenderTest, OpportunisticStarttlsIsUsedWhenOffered) {
  // This server refuses mail before STARTTLS, so a delivery shows that the
  // client upgraded without being told to.
  StartServer(TestHandler(), /*tls=*/true);
  SmtpOptions options = Options();
  options.ca_file = cert_file();
  SmtpSender sender(options);

  ASSERT_THAT(sender.Send("news@example.com", "anna@example.org",
                          RawMessage("", "x\r\n")),
              IsOk());

  ASSERT_TRUE(server_->WaitForMails(1, absl::Seconds(5)));
  EXPECT_EQ(ParseEntity(server_->Mails()[0]).Header("X-Test-TLS"), "yes");
}

TEST_F(SmtpSenderTest, UntrustedCertificateIsRefused) {
  StartServer(TestHandler(), /*tls=*/true);
  SmtpOptions options = Options();
  options.require_starttls = true;
  SmtpSender sender(options);

  EXPECT_THAT(
      sender.Send("news@example.com", "anna@example.org", RawMessage("", "x")),
      StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(server_->MailFiles(), IsEmpty());
}

TEST_F(SmtpSenderTest, ConcurrentSendsAllArrive) {
  StartServer({});
  SmtpSender sender(Options());
  constexpr int kThreads = 4;
  constexpr int kMailsPerThread = 3;

  std::vector<std::thread> threads;
  std::vector<absl::Status> statuses(kThreads * kMailsPerThread);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kMailsPerThread; ++i) {
        statuses[t * kMailsPerThread + i] =
            sender.Send("news@example.com", "anna@example.org",
                        RawMessage("", absl::StrCat("mail ", t, "-", i)));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  for (const absl::Status& status : statuses) EXPECT_THAT(status, IsOk());
  EXPECT_TRUE(
      server_->WaitForMails(kThreads * kMailsPerThread, absl::Seconds(5)));
}

TEST(SmtpSenderOptionsTest, OnlySmtpUrlsWithAHostAreValid) {
  SmtpOptions options;
  options.url = "smtp://127.0.0.1:2525";
  EXPECT_THAT(ValidateSmtpOptions(options), IsOk());
  options.url = "smtps://mail.example.com";
  EXPECT_THAT(ValidateSmtpOptions(options), IsOk());

  for (const char* url :
       {"", "http://127.0.0.1:2525", "smtp://", "file:///etc/passwd",
        "ftp://user:hunter2@host", "smtp://user:hunter2@127.0.0.1:25"}) {
    options.url = url;
    const absl::Status status = ValidateSmtpOptions(options);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << url;
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr("hunter2")));
  }
  options.url = "smtp://127.0.0.1:2525";
  options.timeout = absl::ZeroDuration();
  EXPECT_THAT(ValidateSmtpOptions(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SmtpSenderOptionsTest, SendWithInvalidOptionsIsInvalidArgument) {
  SmtpOptions options;
  options.url = "http://127.0.0.1:1";
  SmtpSender sender(options);

  EXPECT_THAT(sender.Send("a@example.com", "b@example.com", "x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SmtpSenderOptionsTest, AddressWithLineBreakIsRefusedForGood) {
  SmtpOptions options;
  options.url = "smtp://127.0.0.1:1";
  SmtpSender sender(options);

  EXPECT_THAT(
      sender.Send("a@example.com", "b@example.com\r\nRCPT TO:<c@x>", "x"),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(sender.Send("a@example.com>", "b@example.com", "x"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace leadcapture::mail
