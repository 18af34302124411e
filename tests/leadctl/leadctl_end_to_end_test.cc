// Runs the real leadctl binary against a fake server and checks what the
// server received and what leadctl printed and returned.
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/empty.pb.h"
#include "gtest/gtest.h"
#include "leadcapture/v1/admin_service.pb.h"
#include "leadcapture/v1/capture_service.pb.h"
#include "nlohmann/json.hpp"
#include "tests/leadctl/fake_server.h"

namespace leadcapture::leadctl {
namespace {

using ::nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::StartsWith;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream(path, std::ios::binary) << contents;
}

// Runs the leadctl binary with `args`, standard input `input`, only the
// environment `env` and, unless empty, the working directory `dir`.
Result RunBinary(const std::vector<std::string>& args,
                 const std::string& scratch, const std::string& input,
                 const std::vector<std::string>& env, const std::string& dir) {
  const std::string in_path = scratch + "/stdin";
  const std::string out_path = scratch + "/stdout";
  const std::string err_path = scratch + "/stderr";
  WriteFile(in_path, input);

  std::vector<std::string> argv_strings = {LEADCTL_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = env;
  std::vector<char*> envp;
  for (std::string& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  // posix_spawn runs no fork handlers, which matters in a process that
  // runs a gRPC server.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  }
  pid_t pid = 0;
  Result result;
  const int spawned = posix_spawn(&pid, LEADCTL_BINARY, &actions, nullptr,
                                  argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    ADD_FAILURE() << "cannot start " << LEADCTL_BINARY;
    return result;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  return result;
}

class LeadctlEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/leadctl_test_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    token_file_ = dir_ + "/admin-token";
    WriteFile(token_file_, "  s3cret-token\n");
    server_ = std::make_unique<FakeServer>();
  }

  // Runs leadctl against the fake server with the token file.
  Result Run(const std::vector<std::string>& args,
             const std::string& input = "") {
    std::vector<std::string> all = {"--address=" + server_->address(),
                                    "--token_file=" + token_file_};
    all.insert(all.end(), args.begin(), args.end());
    return RunBinary(all, dir_, input, {}, "");
  }

  // Runs leadctl with exactly these arguments and environment.
  Result RunBare(const std::vector<std::string>& args,
                 const std::vector<std::string>& env,
                 const std::string& dir = "") {
    return RunBinary(args, dir_, "", env, dir);
  }

  std::string dir_;
  std::string token_file_;
  std::unique_ptr<FakeServer> server_;
};

v1::EntryPoint CannedEntryPoint() {
  v1::EntryPoint entry_point;
  entry_point.set_id("ep1");
  entry_point.set_name("Website");
  entry_point.set_api_key("0123456789abcdef0123456789abcdef");
  entry_point.add_payload_fields("firstName");
  entry_point.add_payload_fields("emailAddress");
  entry_point.set_is_active(true);
  return entry_point;
}

v1::ListLeadsResponse LeadsPage(std::vector<std::string> ids,
                                const std::string& next_page_token) {
  v1::ListLeadsResponse page;
  for (const std::string& id : ids) page.add_leads()->set_id(id);
  page.set_next_page_token(next_page_token);
  return page;
}

// Verifies that entry-points create turns its flags into the request and
// prints the reply itself with lowerCamelCase names and defaults shown.
TEST_F(LeadctlEndToEndTest, CreateEntryPointSendsFlagsAndPrintsEntryPoint) {
  server_->AddReply(AdminMethod("CreateEntryPoint"), CannedEntryPoint());

  Result result =
      Run({"entry-points", "create", "--name", "Website",
           "--payload-fields=firstName,emailAddress", "--required",
           "emailAddress", "--target-list", "tl1", "--team=team1", "--campaign",
           "c1", "--duplicate-check=false", "--subscribe-contact-if-exists",
           "--allowed-origins", "https://a.example,https://b.example"});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, IsEmpty());
  v1::CreateEntryPointRequest request;
  ASSERT_TRUE(server_->Request(0, request));
  const v1::EntryPoint& sent = request.entry_point();
  EXPECT_EQ(sent.name(), "Website");
  EXPECT_THAT(sent.payload_fields(), ElementsAre("firstName", "emailAddress"));
  EXPECT_THAT(sent.required_fields(), ElementsAre("emailAddress"));
  EXPECT_EQ(sent.target_list_id(), "tl1");
  EXPECT_EQ(sent.target_team_id(), "team1");
  EXPECT_EQ(sent.campaign_id(), "c1");
  ASSERT_TRUE(sent.has_duplicate_check());
  EXPECT_FALSE(sent.duplicate_check());
  EXPECT_TRUE(sent.subscribe_contact_if_exists());
  EXPECT_FALSE(sent.has_is_active());
  EXPECT_THAT(sent.allowed_origins(),
              ElementsAre("https://a.example", "https://b.example"));

  const json printed = json::parse(result.out);
  EXPECT_EQ(printed["id"], "ep1");
  EXPECT_EQ(printed["apiKey"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(printed["targetListId"], "");
  EXPECT_EQ(printed["allowedOrigins"], json::array());
  EXPECT_EQ(printed["payloadFields"], json({"firstName", "emailAddress"}));
  EXPECT_THAT(result.out, HasSubstr("\n  \"apiKey\": \""));
}

// Verifies that the token is read from the token file, trimmed, and sent as
// a bearer token.
TEST_F(LeadctlEndToEndTest, SendsBearerTokenFromTokenFile) {
  server_->AddReply(AdminMethod("GetTeam"), v1::Team());

  Result result = Run({"teams", "get", "team1"});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(server_->calls().size(), 1u);
  EXPECT_THAT(
      server_->calls()[0].metadata,
      ::testing::Contains(Pair("authorization", "Bearer s3cret-token")));
}

// Verifies that an update names exactly the flags given in its mask.
TEST_F(LeadctlEndToEndTest, UpdateMaskNamesExactlyTheGivenFlags) {
  server_->AddReply(AdminMethod("UpdateEntryPoint"), CannedEntryPoint());

  Result result =
      Run({"entry-points", "update", "ep1", "--payload-fields",
           "firstName,phoneNumber", "--active=false", "--team", "team2"});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  v1::UpdateEntryPointRequest request;
  ASSERT_TRUE(server_->Request(0, request));
  EXPECT_EQ(request.entry_point().id(), "ep1");
  EXPECT_THAT(request.update_mask().paths(),
              ElementsAre("payload_fields", "is_active", "target_team_id"));
  ASSERT_TRUE(request.entry_point().has_is_active());
  EXPECT_FALSE(request.entry_point().is_active());
  EXPECT_EQ(request.entry_point().target_team_id(), "team2");
}

// Verifies that rotate-key prints the entry point with its new key.
TEST_F(LeadctlEndToEndTest, RotateKeyPrintsEntryPointWithNewKey) {
  v1::EntryPoint rotated = CannedEntryPoint();
  rotated.set_api_key("fedcba9876543210fedcba9876543210");
  server_->AddReply(AdminMethod("RotateEntryPointApiKey"), rotated);

  Result result = Run({"entry-points", "rotate-key", "ep1"});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  v1::RotateEntryPointApiKeyRequest request;
  ASSERT_TRUE(server_->Request(0, request));
  EXPECT_EQ(request.id(), "ep1");
  EXPECT_EQ(json::parse(result.out)["apiKey"],
            "fedcba9876543210fedcba9876543210");
}

// Verifies that a delete prints an empty object.
TEST_F(LeadctlEndToEndTest, DeletePrintsEmptyObject) {
  server_->AddReply(AdminMethod("DeleteTargetList"), google::protobuf::Empty());

  Result result = Run({"target-lists", "delete", "tl1"});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "{}\n");
}

// Verifies that an empty list prints as [] with an empty page token.
TEST_F(LeadctlEndToEndTest, EmptyListPrintsEmptyArray) {
  server_->AddReply(AdminMethod("ListTargetListMembers"),
                    v1::ListTargetListMembersResponse());

  Result result = Run({"target-lists", "members", "tl1"});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "{\n  \"members\": [],\n  \"nextPageToken\": \"\"\n}\n");
  v1::ListTargetListMembersRequest request;
  ASSERT_TRUE(server_->Request(0, request));
  EXPECT_EQ(request.target_list_id(), "tl1");
}

// Verifies that a membership update sends the opt-out flag.
TEST_F(LeadctlEndToEndTest, UpdateMemberSendsOptOut) {
  v1::TargetListMember member;
  member.set_type("lead");
  member.set_id("l1");
  member.set_opted_out(true);
  server_->AddReply(AdminMethod("UpdateTargetListMember"), member);

  Result result = Run({"target-lists", "update-member", "tl1", "--type", "lead",
                       "--member", "l1", "--opted-out=true"});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  v1::UpdateTargetListMemberRequest request;
  ASSERT_TRUE(server_->Request(0, request));
  EXPECT_EQ(request.target_list_id(), "tl1");
  EXPECT_EQ(request.type(), "lead");
  EXPECT_EQ(request.id(), "l1");
  EXPECT_TRUE(request.opted_out());
  EXPECT_EQ(json::parse(result.out)["optedOut"], true);
}

// Verifies that a list without paging flags follows every page and prints
// the items of all pages together.
TEST_F(LeadctlEndToEndTest, ListFollowsEveryPage) {
  server_->AddReply(AdminMethod("ListLeads"), LeadsPage({"l1", "l2"}, "p2"));
  server_->AddReply(AdminMethod("ListLeads"), LeadsPage({"l3"}, "p3"));
  server_->AddReply(AdminMethod("ListLeads"), LeadsPage({"l4"}, ""));

  Result result = Run({"leads", "list", "--entry-point", "ep1"});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(server_->calls().size(), 3u);
  std::vector<std::string> tokens;
  for (size_t i = 0; i < 3; ++i) {
    v1::ListLeadsRequest request;
    ASSERT_TRUE(server_->Request(i, request));
    EXPECT_EQ(request.entry_point_id(), "ep1");
    tokens.push_back(request.page_token());
  }
  EXPECT_THAT(tokens, ElementsAre("", "p2", "p3"));
  const json printed = json::parse(result.out);
  ASSERT_EQ(printed["leads"].size(), 4u);
  EXPECT_EQ(printed["leads"][3]["id"], "l4");
  EXPECT_EQ(printed["leads"][0]["status"], "LEAD_STATUS_UNSPECIFIED");
  EXPECT_EQ(printed["leads"][0]["teamIds"], json::array());
  EXPECT_EQ(printed["nextPageToken"], "");
}

// Verifies that a paging flag asks for one page and shows its token.
TEST_F(LeadctlEndToEndTest, PagingFlagsFetchOnePage) {
  v1::ListCaptureLogsResponse page;
  page.add_capture_logs()->set_outcome(v1::CREATED);
  page.set_next_page_token("p2");
  server_->AddReply(AdminMethod("ListCaptureLogs"), page);

  Result result =
      Run({"capture-logs", "list", "--page-size", "1", "--page-token=p1"});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(server_->calls().size(), 1u);
  v1::ListCaptureLogsRequest request;
  ASSERT_TRUE(server_->Request(0, request));
  EXPECT_EQ(request.page_size(), 1);
  EXPECT_EQ(request.page_token(), "p1");
  const json printed = json::parse(result.out);
  EXPECT_EQ(printed["captureLogs"][0]["outcome"], "CREATED");
  EXPECT_EQ(printed["captureLogs"][0]["isCreated"], false);
  EXPECT_EQ(printed["nextPageToken"], "p2");
}

// Verifies that Unicode passes byte for byte and that bytes which are not
// UTF-8 become U+FFFD instead of failing.
TEST_F(LeadctlEndToEndTest, FlagTextReachesServerAsUtf8) {
  server_->AddReply(AdminMethod("CreateTeam"), v1::Team());
  server_->AddReply(AdminMethod("CreateTeam"), v1::Team());

  Result emoji =
      Run({"teams", "create", "--name", "Vertrieb \xF0\x9F\x98\x80"});
  Result broken = Run({"teams", "create", "--name", "A\xFF"});

  ASSERT_EQ(emoji.exit_code, 0) << emoji.err;
  ASSERT_EQ(broken.exit_code, 0) << broken.err;
  v1::CreateTeamRequest request;
  ASSERT_TRUE(server_->Request(0, request));
  EXPECT_EQ(request.team().name(), "Vertrieb \xF0\x9F\x98\x80");
  ASSERT_TRUE(server_->Request(1, request));
  EXPECT_EQ(request.team().name(), "A\xEF\xBF\xBD");
}

// Verifies that a failed call exits 1 with the code and message on stderr.
TEST_F(LeadctlEndToEndTest, FailedCallExitsOneWithCodeAndMessage) {
  server_->AddError(
      AdminMethod("GetEntryPoint"),
      grpc::Status(grpc::StatusCode::NOT_FOUND, "entry point x not found"));

  Result result = Run({"entry-points", "get", "x"});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out, IsEmpty());
  EXPECT_EQ(result.err, "leadctl: NOT_FOUND: entry point x not found\n");
}

// Verifies that the field and rule of a validation error are shown.
TEST_F(LeadctlEndToEndTest, FailedCallShowsFieldAndRule) {
  server_->AddError(
      AdminMethod("CreateContact"),
      grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "not an e-mail address"),
      {{"leadcapture-field", "emailAddress"}, {"leadcapture-rule", "email"}});

  Result result = Run({"contacts", "create", "--first-name", "A", "--last-name",
                       "B", "--email-address", "nope"});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "leadctl: INVALID_ARGUMENT: not an e-mail address "
            "(field: emailAddress, rule: email)\n");
}

// Verifies that usage errors exit 2, name the problem and call nothing.
TEST_F(LeadctlEndToEndTest, UsageErrorsExitTwoWithoutCalling) {
  Result unknown_flag =
      Run({"entry-points", "create", "--name", "W", "--bogus-flag", "x"});
  Result missing_id = Run({"entry-points", "get"});
  Result unknown_command = Run({"widgets", "list"});
  Result bad_bool = Run({"entry-points", "update", "ep1", "--active=maybe"});

  EXPECT_EQ(unknown_flag.exit_code, 2);
  EXPECT_THAT(unknown_flag.err, HasSubstr("--bogus-flag"));
  EXPECT_EQ(missing_id.exit_code, 2);
  EXPECT_THAT(missing_id.err, HasSubstr("missing ID"));
  EXPECT_EQ(unknown_command.exit_code, 2);
  EXPECT_THAT(unknown_command.err, HasSubstr("widgets"));
  EXPECT_EQ(bad_bool.exit_code, 2);
  EXPECT_THAT(server_->calls(), IsEmpty());
}

// Verifies that help exits 0 and lists the subcommands and their flags.
TEST_F(LeadctlEndToEndTest, HelpListsSubcommandsAndFlags) {
  Result top = RunBare({"--help"}, {});
  Result group = RunBare({"entry-points", "--help"}, {});

  EXPECT_EQ(top.exit_code, 0);
  EXPECT_THAT(top.out, HasSubstr("target-lists members ID"));
  EXPECT_THAT(top.out, HasSubstr("--token_file"));
  EXPECT_EQ(group.exit_code, 0);
  EXPECT_THAT(group.out, HasSubstr("entry-points rotate-key ID"));
  EXPECT_THAT(group.out, ::testing::Not(HasSubstr("teams create")));
}

// Verifies that `call` sends the -d JSON as the request, one call only.
TEST_F(LeadctlEndToEndTest, CallSendsJsonFromArgument) {
  server_->AddReply(AdminMethod("ListLeads"), LeadsPage({"l1"}, "p2"));

  Result result = Run({"call", "leadcapture.v1.AdminService/ListLeads", "-d",
                       R"({"entryPointId": "ep1", "pageSize": 5})"});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(server_->calls().size(), 1u);
  EXPECT_EQ(server_->calls()[0].method, AdminMethod("ListLeads"));
  v1::ListLeadsRequest request;
  ASSERT_TRUE(server_->Request(0, request));
  EXPECT_EQ(request.entry_point_id(), "ep1");
  EXPECT_EQ(request.page_size(), 5);
  EXPECT_EQ(json::parse(result.out)["nextPageToken"], "p2");
}

// Verifies that `call -d @FILE` reads the request from a file and that the
// package may be left out of the method name.
TEST_F(LeadctlEndToEndTest, CallReadsRequestFromFile) {
  server_->AddReply(AdminMethod("GetLead"), v1::Lead());
  WriteFile(dir_ + "/request.json", R"({"id": "lead7"})");

  Result result =
      Run({"call", "AdminService/GetLead", "-d", "@" + dir_ + "/request.json"});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  v1::GetLeadRequest request;
  ASSERT_TRUE(server_->Request(0, request));
  EXPECT_EQ(request.id(), "lead7");
  EXPECT_EQ(json::parse(result.out)["emailAddress"], "");
}

// Verifies that `call -d @-` reads the request from standard input.
TEST_F(LeadctlEndToEndTest, CallReadsRequestFromStandardInput) {
  server_->AddReply(AdminMethod("GetCampaign"), v1::Campaign());

  Result result =
      Run({"call", "leadcapture.v1.AdminService/GetCampaign", "-d", "@-"},
          R"({"id": "c9"})");

  ASSERT_EQ(result.exit_code, 0) << result.err;
  v1::GetCampaignRequest request;
  ASSERT_TRUE(server_->Request(0, request));
  EXPECT_EQ(request.id(), "c9");
}

// Verifies that a request that does not fit the method is a usage error.
TEST_F(LeadctlEndToEndTest, CallWithBadJsonIsUsageError) {
  Result not_json = Run({"call", "AdminService/GetLead", "-d", "{nope"});
  Result unknown_field =
      Run({"call", "AdminService/GetLead", "-d", R"({"colour": 1})"});
  Result unknown_method = Run({"call", "AdminService/Nothing"});

  EXPECT_EQ(not_json.exit_code, 2);
  EXPECT_EQ(unknown_field.exit_code, 2);
  EXPECT_THAT(unknown_field.err, HasSubstr("colour"));
  EXPECT_EQ(unknown_method.exit_code, 2);
  EXPECT_THAT(server_->calls(), IsEmpty());
}

// Verifies that calls outside AdminService need no token file and send no
// token.
TEST_F(LeadctlEndToEndTest, PublicCallNeedsNoTokenFile) {
  v1::Policy policy;
  policy.add_allowed_origins("https://a.example");
  server_->AddReply("/leadcapture.v1.LeadCaptureService/GetPolicy", policy);

  Result result = RunBare(
      {"--address", server_->address(), "--token_file", dir_ + "/missing",
       "call", "LeadCaptureService/GetPolicy", "-d", R"({"apiKey": "k"})"},
      {});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(server_->calls().size(), 1u);
  EXPECT_EQ(server_->calls()[0].metadata.count("authorization"), 0u);
  EXPECT_EQ(json::parse(result.out)["allowedOrigins"],
            json({"https://a.example"}));
}

// Verifies that an admin call without a token file fails before calling and
// says which file and how to choose another.
TEST_F(LeadctlEndToEndTest, MissingTokenFileFailsAdminCall) {
  const std::string missing = dir_ + "/missing-token";

  Result result = RunBare({"--address=" + server_->address(),
                           "--token_file=" + missing, "teams", "list"},
                          {});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr(missing));
  EXPECT_THAT(result.err, HasSubstr("--token_file"));
  EXPECT_THAT(server_->calls(), IsEmpty());
}

// Verifies that a token a header cannot carry (here two lines) fails with
// exit 1 before any call and never shows the token.
TEST_F(LeadctlEndToEndTest, TokenWithNewlineFailsWithoutCallingOrShowingIt) {
  WriteFile(token_file_, "secret-one\nsecret-two\n");

  Result result = Run({"teams", "list"});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "leadctl: the admin token file " + token_file_ +
                            " holds characters that cannot be sent in a "
                            "header\n");
  EXPECT_THAT(result.out, IsEmpty());
  EXPECT_THAT(server_->calls(), IsEmpty());
}

// Verifies that an empty token file fails with exit 1 before any call.
TEST_F(LeadctlEndToEndTest, EmptyTokenFileFailsWithoutCalling) {
  WriteFile(token_file_, " \n");

  Result result = Run({"teams", "list"});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("the admin token file " + token_file_ +
                                    " is empty"));
  EXPECT_THAT(server_->calls(), IsEmpty());
}

// Verifies that an address whose port is out of range is a usage error
// naming --address, and that nothing is called.
TEST_F(LeadctlEndToEndTest, AddressWithPortOutOfRangeIsUsageError) {
  Result result = RunBare({"--address=127.0.0.1:99999",
                           "--token_file=" + token_file_, "teams", "list"},
                          {});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--address"));
  EXPECT_THAT(result.err, HasSubstr("127.0.0.1:99999"));
  EXPECT_THAT(server_->calls(), IsEmpty());
}

// Verifies the environment twins of --address and --token_file.
TEST_F(LeadctlEndToEndTest, AddressAndTokenFileFromEnvironment) {
  server_->AddReply(AdminMethod("ListTeams"), v1::ListTeamsResponse());

  Result result =
      RunBare({"teams", "list"}, {"LEADCAPTURE_ADDRESS=" + server_->address(),
                                  "LEADCAPTURE_TOKEN_FILE=" + token_file_});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "{\n  \"teams\": [],\n  \"nextPageToken\": \"\"\n}\n");
  EXPECT_THAT(
      server_->calls()[0].metadata,
      ::testing::Contains(Pair("authorization", "Bearer s3cret-token")));
}

// Verifies that a flag wins over its environment twin.
TEST_F(LeadctlEndToEndTest, FlagWinsOverEnvironment) {
  server_->AddReply(AdminMethod("ListTeams"), v1::ListTeamsResponse());

  Result result = RunBare({"--address=" + server_->address(),
                           "--token_file=" + token_file_, "teams", "list"},
                          {"LEADCAPTURE_ADDRESS=127.0.0.1:1",
                           "LEADCAPTURE_TOKEN_FILE=" + dir_ + "/missing"});

  EXPECT_EQ(result.exit_code, 0) << result.err;
}

// Verifies that the token file defaults to var/admin-token in the working
// directory.
TEST_F(LeadctlEndToEndTest, DefaultTokenFileIsVarAdminToken) {
  server_->AddReply(AdminMethod("GetTeam"), v1::Team());
  ASSERT_EQ(mkdir((dir_ + "/var").c_str(), 0700), 0);
  WriteFile(dir_ + "/var/admin-token", "from-default-file\n");

  Result result = RunBare(
      {"--address=" + server_->address(), "teams", "get", "team1"}, {}, dir_);

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(
      server_->calls()[0].metadata,
      ::testing::Contains(Pair("authorization", "Bearer from-default-file")));
}

// Verifies that a server that is not there gives UNAVAILABLE, exit 1.
TEST_F(LeadctlEndToEndTest, StoppedServerGivesUnavailable) {
  std::string address;
  {
    FakeServer stopped;
    address = stopped.address();
  }

  Result result =
      RunBare({"--address=" + address, "--token_file=" + token_file_,
               "--deadline=5", "teams", "list"},
              {});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, StartsWith("leadctl: UNAVAILABLE: "));
}

}  // namespace
}  // namespace leadcapture::leadctl
