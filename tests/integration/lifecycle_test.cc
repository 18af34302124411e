// Starting and stopping the servers: signals, the admin token file, and
// settings from the environment.
#include <sys/stat.h>

#include <csignal>
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace leadcapture::testing {
namespace {

class LifecycleTest : public DeploymentTest {};

TEST_F(LifecycleTest, ServersExitCleanlyOnSigterm) {
  EXPECT_EQ(deployment().StopGateway(SIGTERM), 0);
  EXPECT_EQ(deployment().StopDaemon(SIGTERM), 0);
}

TEST_F(LifecycleTest, ServersExitCleanlyOnSigint) {
  EXPECT_EQ(deployment().StopGateway(SIGINT), 0);
  EXPECT_EQ(deployment().StopDaemon(SIGINT), 0);
}

TEST_F(LifecycleTest, DataSurvivesRestart) {
  json entry_point = CreateEntryPoint();
  ASSERT_TRUE(IsAccepted(PostCapture(
      Str(entry_point, "apiKey"), SeedPayload("Ann", "Lee", "ann@x.example"))));
  ASSERT_EQ(deployment().StopGateway(), 0);
  ASSERT_EQ(deployment().StopDaemon(), 0);
  absl::Status started = deployment().Start();
  ASSERT_TRUE(started.ok()) << started;

  json leads = Leads();
  ASSERT_EQ(leads.size(), 1u) << leads.dump();
  EXPECT_EQ(Str(leads[0], "emailAddress"), "ann@x.example");
  EXPECT_TRUE(IsAccepted(PostCapture(
      Str(entry_point, "apiKey"), SeedPayload("Bo", "Lee", "bo@x.example"))));
}

TEST_F(LifecycleTest, SecretsAreNotLogged) {
  json entry_point = CreateEntryPoint();
  const std::string api_key = Str(entry_point, "apiKey");
  ASSERT_TRUE(IsAccepted(
      PostCapture(api_key, SeedPayload("Ann", "Lee", "ann@x.example"))));
  EXPECT_TRUE(IsErrorAnswer(
      PostCapture(api_key, SeedPayload("Ann", "Lee", "not-an-address")), 400,
      "invalid_argument"));
  deployment().StopGateway();
  deployment().StopDaemon();

  const std::string logs = deployment().Logs();
  EXPECT_EQ(logs.find(deployment().token()), std::string::npos) << logs;
  EXPECT_EQ(logs.find(api_key), std::string::npos) << logs;
}

// leadcaptured started without a token file.
class TokenFileTest : public DeploymentTest {
 protected:
  Deployment::Options DeploymentOptions() const override {
    Deployment::Options options;
    options.write_token_file = false;
    return options;
  }
};

TEST_F(TokenFileTest, MissingTokenFileIsCreatedForOwnerOnly) {
  struct stat info;
  ASSERT_EQ(stat(deployment().token_file().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  EXPECT_GE(deployment().token().size(), 32u);
  EXPECT_EQ(Field(MustLeadctl({"leads", "list"}), "leads"), json::array());
}

TEST_F(TokenFileTest, CreatedTokenIsKeptAcrossRestarts) {
  const std::string token = deployment().token();
  ASSERT_EQ(deployment().StopDaemon(), 0);
  absl::Status started = deployment().StartDaemon();
  ASSERT_TRUE(started.ok()) << started;
  EXPECT_EQ(deployment().token(), token);
  EXPECT_EQ(deployment().Leadctl({"leads", "list"}).exit_code, 0);
}

// Both servers configured through LEADCAPTURE_* variables only.
class EnvironmentTest : public DeploymentTest {
 protected:
  Deployment::Options DeploymentOptions() const override {
    Deployment::Options options;
    options.settings_from_environment = true;
    return options;
  }
};

TEST_F(EnvironmentTest, SettingsComeFromEnvironmentVariables) {
  json entry_point = CreateEntryPoint();
  EXPECT_TRUE(IsAccepted(PostCapture(
      Str(entry_point, "apiKey"), SeedPayload("Ann", "Lee", "ann@x.example"))));
  EXPECT_EQ(Leads().size(), 1u);
}

}  // namespace
}  // namespace leadcapture::testing

namespace leadcapture::testing {
namespace {

// Runs leadcaptured with `flags` added to a working set and returns how it
// ended (it is expected to refuse to start).
RunResult RunDaemonExpectingRefusal(const TempDir& dir,
                                    const std::vector<std::string>& flags) {
  std::vector<std::string> argv = {
      kLeadcapturedPath, "--database=sqlite:" + dir.File("refused.db"),
      "--admin_token_file=" + dir.File("token")};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return RunToEnd(argv, {}, dir.path());
}

// Verifies that a second leadcaptured cannot take a port in use: two
// servers on one port would split captures between two databases.
TEST_F(LifecycleTest, SecondServerOnTheSamePortRefusesToStart) {
  TempDir dir;
  RunResult second = RunDaemonExpectingRefusal(
      dir, {"--grpc_address=" + deployment().grpc_address()});
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find("cannot listen"), std::string::npos)
      << second.err;
}

TEST(DaemonFlagsTest, PortOutOfRangeIsRefused) {
  TempDir dir;
  RunResult result =
      RunDaemonExpectingRefusal(dir, {"--grpc_address=127.0.0.1:99999"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--grpc_address"), std::string::npos)
      << result.err;
}

// Verifies that an SMTP URL with credentials is refused without the
// password appearing anywhere.
TEST(DaemonFlagsTest, SmtpUrlWithCredentialsIsRefusedUnechoed) {
  TempDir dir;
  RunResult result = RunDaemonExpectingRefusal(
      dir, {"--grpc_address=127.0.0.1:0",
            "--smtp_url=smtp://mailer:pw-s3cret@127.0.0.1:2525"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.find("pw-s3cret"), std::string::npos) << result.err;
  EXPECT_EQ(result.out.find("pw-s3cret"), std::string::npos) << result.out;
}

// Verifies that a token file whose token cannot go into a header stops
// the server at once, without showing the token.
TEST(DaemonFlagsTest, TokenWithControlCharactersIsRefused) {
  TempDir dir;
  ASSERT_TRUE(WriteFile(dir.File("token"), "secret-one\nsecret-two\n", 0600));
  RunResult result =
      RunDaemonExpectingRefusal(dir, {"--grpc_address=127.0.0.1:0"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.find("secret-one"), std::string::npos) << result.err;
}

// Verifies that the database the server creates is for its owner only.
TEST_F(LifecycleTest, DatabaseFileIsForTheOwnerOnly) {
  if (MySqlBackendChosen()) GTEST_SKIP() << "no database file on MySQL";
  struct stat info;
  ASSERT_EQ(stat(deployment().database_path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 077, 0u);
}

}  // namespace
}  // namespace leadcapture::testing
