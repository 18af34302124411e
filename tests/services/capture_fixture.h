// A capture processor on a SQLite database in memory, with a target list,
// a team and a campaign, and helpers to read back what captures stored.
#ifndef LEADCAPTURE_TESTS_SERVICES_CAPTURE_FIXTURE_H_
#define LEADCAPTURE_TESTS_SERVICES_CAPTURE_FIXTURE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/capture.h"
#include "services/entry_points.h"
#include "services/time_util.h"
#include "services/util/clock.h"
#include "services/util/random.h"
#include "storage/store.h"

namespace leadcapture::testing {

class CaptureFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::OpenStore("sqlite::memory:");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    processor_ = std::make_unique<CaptureProcessor>(*store_, clock_);

    auto tx = Begin();
    v1::TargetList list;
    list.set_id(NewId());
    list.set_name("Newsletter");
    ASSERT_TRUE(tx->CreateTargetList(list).ok());
    list_id_ = list.id();
    v1::Team team;
    team.set_id(NewId());
    team.set_name("Sales");
    ASSERT_TRUE(tx->CreateTeam(team).ok());
    team_id_ = team.id();
    v1::Campaign campaign;
    campaign.set_id(NewId());
    campaign.set_name("Spring");
    ASSERT_TRUE(tx->CreateCampaign(campaign).ok());
    campaign_id_ = campaign.id();
    ASSERT_TRUE(tx->Commit().ok());
  }

  std::unique_ptr<storage::Transaction> Begin() {
    auto tx = store_->Begin(storage::TransactionMode::kReadWrite);
    EXPECT_TRUE(tx.ok()) << tx.status();
    return *std::move(tx);
  }

  // Stores an entry point with defaults, the fixture's list, team and
  // campaign, changed by `edit`.
  v1::EntryPoint MakeEntryPoint(
      const std::function<void(v1::EntryPoint&)>& edit = {}) {
    v1::EntryPoint entry_point;
    entry_point.set_id(NewId());
    entry_point.set_api_key(NewApiKey());
    entry_point.set_name("Website");
    entry_point.set_target_list_id(list_id_);
    entry_point.set_target_team_id(team_id_);
    entry_point.set_campaign_id(campaign_id_);
    entry_point.set_phone_country("DE");
    if (edit) edit(entry_point);
    ApplyEntryPointDefaults(&entry_point);
    auto tx = Begin();
    EXPECT_TRUE(tx->CreateEntryPoint(entry_point).ok());
    EXPECT_TRUE(tx->Commit().ok());
    return entry_point;
  }

  absl::StatusOr<v1::CaptureLog> Capture(const v1::EntryPoint& entry_point,
                                         const std::string& json) {
    v1::CaptureRequest request;
    request.set_api_key(entry_point.api_key());
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                    json, request.mutable_payload())
                    .ok());
    request.mutable_client()->set_ip("203.0.113.7");
    request.mutable_client()->set_user_agent("test-agent");
    return processor_->Capture(request);
  }

  std::vector<v1::Lead> Leads() {
    auto tx = Begin();
    auto page = tx->ListLeads("", {1000, ""});
    EXPECT_TRUE(page.ok());
    return page->items;
  }

  std::vector<v1::TargetListMember> Members() {
    auto tx = Begin();
    auto page = tx->ListMembers(list_id_, {1000, ""});
    EXPECT_TRUE(page.ok());
    return page->items;
  }

  std::vector<std::string> CampaignActions() {
    auto tx = Begin();
    auto page = tx->ListCampaignLogEntries(campaign_id_, {1000, ""});
    EXPECT_TRUE(page.ok());
    std::vector<std::string> actions;
    for (const auto& entry : page->items) actions.push_back(entry.action());
    return actions;
  }

  std::vector<v1::CaptureLog> CaptureLogs() {
    auto tx = Begin();
    auto page = tx->ListCaptureLogs("", {1000, ""});
    EXPECT_TRUE(page.ok());
    return page->items;
  }

  v1::Contact MakeContact(const std::string& email) {
    v1::Contact contact;
    contact.set_id(NewId());
    contact.set_first_name("Carl");
    contact.set_last_name("Contact");
    contact.set_email_address(email);
    *contact.mutable_created_at() = ToTimestamp(clock_.Now());
    auto tx = Begin();
    EXPECT_TRUE(tx->CreateContact(contact).ok());
    EXPECT_TRUE(tx->Commit().ok());
    return contact;
  }

  FakeClock clock_{absl::FromUnixSeconds(1767225600)};
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<CaptureProcessor> processor_;
  std::string list_id_, team_id_, campaign_id_;
};

}  // namespace leadcapture::testing

#endif  // LEADCAPTURE_TESTS_SERVICES_CAPTURE_FIXTURE_H_
