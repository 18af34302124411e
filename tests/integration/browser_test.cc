// A real browser (headless Chromium) runs the HTML form that
// GetEntryPointExample gives, from a page on another origin, so the CORS
// preflight and the capture go through the gateway exactly as from a web
// site.
#include <httplib.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace leadcapture::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kChromium[] = "/usr/bin/chromium";

// A web site: one page holding the example form and a script that fills it
// in and submits it, as a person would.
class WebSite {
 public:
  explicit WebSite(const std::string& form_html) {
    const std::string page = absl::StrCat(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        "<title>Sign up</title></head><body>",
        form_html,
        "<script>\n"
        "var form = document.getElementById('lead-form');\n"
        "form.firstName.value = 'Zoë';\n"
        "form.lastName.value = 'Browser 😀';\n"
        "form.emailAddress.value = 'zoe@example.com';\n"
        "form.requestSubmit();\n"
        "</script></body></html>");
    server_.Get("/", [page](const httplib::Request&, httplib::Response& res) {
      res.set_content(page, "text/html; charset=utf-8");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~WebSite() {
    server_.stop();
    thread_.join();
  }

  std::string origin() const {
    return absl::StrCat("http://127.0.0.1:", port_);
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

class BrowserTest : public DeploymentTest {
 protected:
  // Opens the page in headless Chromium, lets its scripts and requests
  // finish, and returns the DOM as it then is.
  std::string RenderInBrowser(const std::string& url) {
    TempDir profile;
    RunResult result = RunToEnd(
        {kChromium, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--user-data-dir=" + profile.path(),
         "--virtual-time-budget=10000", "--dump-dom", url},
        {}, profile.path());
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  }

  // The example form of a new entry point whose allowed origins are
  // `origins` (comma-separated; empty for any).
  json EntryPointWithOrigins(const std::string& origins) {
    std::vector<std::string> flags = {"--payload-fields",
                                      "firstName,lastName,emailAddress",
                                      "--required", "emailAddress"};
    if (!origins.empty()) {
      flags.push_back("--allowed-origins");
      flags.push_back(origins);
    }
    return CreateEntryPoint(flags);
  }

  std::string ExampleForm(const json& entry_point) {
    json example = MustLeadctl(
        {"entry-points", "example", entry_point["id"].get<std::string>()});
    return example.value("htmlForm", "");
  }
};

// Verifies that the example form, posted by a browser from a listed origin,
// shows "Sent" and stores the lead with its characters intact.
TEST_F(BrowserTest, ExampleFormPostsFromAnAllowedOrigin) {
  // The page's port is only known once it listens; the entry point's list
  // is set to it afterwards.
  json entry_point = EntryPointWithOrigins("");
  WebSite site(ExampleForm(entry_point));
  MustLeadctl({"entry-points", "update", entry_point["id"].get<std::string>(),
               "--allowed-origins", site.origin()});

  const std::string dom = RenderInBrowser(site.origin() + "/");
  EXPECT_THAT(dom, HasSubstr("<div id=\"lead-form-container\">Sent</div>"))
      << dom;
  json leads = Leads(entry_point["id"]);
  ASSERT_THAT(leads, SizeIs(1));
  EXPECT_EQ(leads[0]["firstName"], "Zoë");
  EXPECT_EQ(leads[0]["lastName"], "Browser 😀");
  EXPECT_EQ(leads[0]["emailAddress"], "zoe@example.com");
}

// Verifies that a page on an origin the entry point does not list cannot
// post: the browser shows the failure and nothing is stored.
TEST_F(BrowserTest, FormOnAnotherOriginIsRefused) {
  json entry_point = EntryPointWithOrigins("https://shop.example");
  WebSite site(ExampleForm(entry_point));

  const std::string dom = RenderInBrowser(site.origin() + "/");
  EXPECT_THAT(dom, Not(HasSubstr(">Sent</div>"))) << dom;
  // The preflight is refused, so fetch() rejects and the form says so.
  EXPECT_THAT(dom, HasSubstr("Could not send; please try again."));
  EXPECT_THAT(Leads(entry_point["id"]), SizeIs(0));
}

}  // namespace
}  // namespace leadcapture::testing
