// The gateway while leadcaptured is down: a quick 503, never a hang, and
// recovery when it comes back.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace leadcapture::testing {
namespace {

class BackendOutageTest : public DeploymentTest {
 protected:
  Deployment::Options DeploymentOptions() const override {
    Deployment::Options options;
    options.gateway_flags = {"--backend_deadline=2s"};
    return options;
  }

  void SetUp() override {
    DeploymentTest::SetUp();
    if (HasFatalFailure()) return;
    api_key_ = Str(CreateEntryPoint(), "apiKey");
    ASSERT_TRUE(IsAccepted(
        PostCapture(api_key_, SeedPayload("Ann", "Lee", "ann@x.example"))));
    ASSERT_EQ(deployment().StopDaemon(), 0);
  }

  std::string api_key_;
};

TEST_F(BackendOutageTest, CaptureAnswers503WithinTheDeadline) {
  const absl::Time start = absl::Now();
  httplib::Result result =
      PostCapture(api_key_, SeedPayload("Bo", "Lee", "bo@x.example"));
  const absl::Duration took = absl::Now() - start;
  EXPECT_TRUE(IsErrorAnswer(result, 503, "unavailable"));
  EXPECT_LT(took, absl::Seconds(3)) << absl::FormatDuration(took);
}

TEST_F(BackendOutageTest, UnavailableAnswerCarriesAllowOrigin) {
  httplib::Result result =
      PostCapture(api_key_, SeedPayload("Bo", "Lee", "bo@x.example"),
                  {{"Origin", "https://site.example"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Origin"), "*");
}

TEST_F(BackendOutageTest, HealthzFailsWhileBackendIsDown) {
  const absl::Time start = absl::Now();
  httplib::Result result = deployment().Http()->Get("/healthz");
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 503);
  EXPECT_LT(took, absl::Seconds(3)) << absl::FormatDuration(took);
}

TEST_F(BackendOutageTest, CapturesSucceedAgainWhenBackendReturns) {
  ASSERT_TRUE(IsErrorAnswer(
      PostCapture(api_key_, SeedPayload("Bo", "Lee", "bo@x.example")), 503,
      "unavailable"));
  absl::Status restarted = deployment().StartDaemon();
  ASSERT_TRUE(restarted.ok()) << restarted;

  // The gateway reconnects on its own; give it a few seconds.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  ::testing::AssertionResult accepted = ::testing::AssertionFailure();
  do {
    accepted = IsAccepted(
        PostCapture(api_key_, SeedPayload("Cy", "Lee", "cy@x.example")));
    if (accepted) break;
    absl::SleepFor(absl::Milliseconds(100));
  } while (absl::Now() < deadline);
  EXPECT_TRUE(accepted);

  // The lead from before the outage is still there, on the same database.
  json leads = Leads();
  ASSERT_EQ(leads.size(), 2u) << leads.dump();
  EXPECT_EQ(Str(leads[0], "emailAddress"), "ann@x.example");
  EXPECT_EQ(Str(leads[1], "emailAddress"), "cy@x.example");
}

}  // namespace
}  // namespace leadcapture::testing
