// A gateway in the test process in front of an in-process fake backend,
// with an HTTP client of it.
#ifndef LEADCAPTURE_TESTS_GATEWAY_GATEWAY_FIXTURE_H_
#define LEADCAPTURE_TESTS_GATEWAY_GATEWAY_FIXTURE_H_

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "gateway/gateway_server.h"
#include "services/util/clock.h"
#include "tests/gateway/fake_backend.h"

namespace leadcapture::gateway {

class GatewayFixture : public ::testing::Test {
 protected:
  // Starts the fake backend; script state_ before StartGateway().
  void SetUp() override {
    backend_ = FakeBackend::Start(&state_);
    ASSERT_NE(backend_, nullptr);
  }

  // (Re)starts the gateway with `options` in front of the fake backend.
  void StartGateway(GatewayOptions options) {
    client_.reset();
    gateway_.reset();
    options.http_address = "127.0.0.1:0";
    options.backend = absl::StrCat("127.0.0.1:", backend_->port());
    absl::StatusOr<std::unique_ptr<GatewayServer>> gateway =
        GatewayServer::Create(options, MakeBackendChannel(options.backend),
                              &clock_);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
    ASSERT_TRUE(gateway_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", gateway_->port());
    client_->set_read_timeout(10, 0);
    client_->set_tcp_nodelay(true);
  }

  FakeClock clock_{absl::FromUnixSeconds(1700000000)};
  FakeBackendState state_;
  std::unique_ptr<FakeBackend> backend_;
  std::unique_ptr<GatewayServer> gateway_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace leadcapture::gateway

#endif  // LEADCAPTURE_TESTS_GATEWAY_GATEWAY_FIXTURE_H_
