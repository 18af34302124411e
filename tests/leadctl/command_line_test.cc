#include "tools/leadctl/command_line.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leadcapture/v1/admin_service.pb.h"
#include "tests/testing/status_matchers.h"
#include "tools/leadctl/command_table.h"
#include "tools/leadctl/rpc_client.h"

namespace leadcapture::leadctl {
namespace {

using ::leadcapture::testing::IsOk;
using ::leadcapture::testing::StatusIs;
using ::nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

absl::StatusOr<Invocation> Parse(const std::vector<std::string>& args) {
  return ParseCommandLine(args, GlobalOptions());
}

// Parses `args` and returns the request JSON; fails the test on a parse
// error.
json RequestFor(const std::vector<std::string>& args) {
  absl::StatusOr<Invocation> invocation = Parse(args);
  EXPECT_THAT(invocation, IsOk());
  if (!invocation.ok()) return json();
  return BuildRequestJson(*invocation);
}

TEST(CommandLineTest, GlobalFlagsTakeEqualsOrSpaceForms) {
  absl::StatusOr<Invocation> invocation =
      Parse({"--address=127.0.0.1:7000", "--token_file", "/t", "--deadline",
             "2.5", "teams", "list"});

  ASSERT_THAT(invocation, IsOk());
  EXPECT_EQ(invocation->options.address, "127.0.0.1:7000");
  EXPECT_EQ(invocation->options.token_file, "/t");
  EXPECT_EQ(invocation->options.deadline, absl::Milliseconds(2500));
  EXPECT_EQ(invocation->command->words, "teams list");
}

TEST(CommandLineTest, DefaultsApplyWithoutGlobalFlags) {
  GlobalOptions defaults;
  defaults.address = "127.0.0.1:6000";

  absl::StatusOr<Invocation> invocation =
      ParseCommandLine({"teams", "list"}, defaults);

  ASSERT_THAT(invocation, IsOk());
  EXPECT_EQ(invocation->options.address, "127.0.0.1:6000");
  EXPECT_EQ(invocation->options.token_file, "var/admin-token");
  EXPECT_EQ(invocation->options.deadline, absl::Seconds(10));
}

TEST(CommandLineTest, GlobalFlagAfterSubcommandIsTaken) {
  absl::StatusOr<Invocation> invocation =
      Parse({"teams", "get", "t1", "--address", "127.0.0.1:7001"});

  ASSERT_THAT(invocation, IsOk());
  EXPECT_EQ(invocation->options.address, "127.0.0.1:7001");
  EXPECT_EQ(invocation->positional, "t1");
}

TEST(CommandLineTest, AddressTakesHostAndPortInRange) {
  for (const std::string address :
       {"127.0.0.1:1", "localhost:65535", "[::1]:50051", "example.test:80"}) {
    absl::StatusOr<Invocation> invocation =
        Parse({"--address", address, "teams", "list"});
    ASSERT_THAT(invocation, IsOk()) << address;
    EXPECT_EQ(invocation->options.address, address);
  }
}

TEST(CommandLineTest, BadAddressIsUsageErrorNamingTheFlag) {
  for (const std::string address :
       {"127.0.0.1:99999", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1",
        "127.0.0.1:", ":50051", "127.0.0.1:http", "127.0.0.1:+80",
        "127.0.0.1:-1", "::1:50051", "[::1:50051", "[]:50051",
        "127.0.0.1:0050051"}) {
    EXPECT_THAT(Parse({"--address=" + address, "teams", "list"}),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("--address")))
        << address;
    // Also after the subcommand.
    EXPECT_THAT(Parse({"teams", "list", "--address", address}),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("--address")))
        << address;
  }
}

TEST(CommandLineTest, BadAddressFromDefaultsIsUsageError) {
  GlobalOptions defaults;
  defaults.address = "127.0.0.1:99999";

  EXPECT_THAT(ParseCommandLine({"teams", "list"}, defaults),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr("LEADCAPTURE_ADDRESS"),
                                        HasSubstr("--address"))));
  // A good flag wins over a bad default.
  EXPECT_THAT(ParseCommandLine({"--address=127.0.0.1:7000", "teams", "list"},
                               defaults),
              IsOk());
}

TEST(CommandLineTest, BadDeadlineIsUsageError) {
  EXPECT_THAT(
      Parse({"--deadline=soon", "teams", "list"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--deadline")));
  EXPECT_THAT(Parse({"--deadline=0", "teams", "list"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CommandLineTest, UnknownGlobalFlagIsNamed) {
  EXPECT_THAT(
      Parse({"--adress=x", "teams", "list"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--adress")));
}

TEST(CommandLineTest, UnknownSubcommandFlagIsNamed) {
  EXPECT_THAT(
      Parse({"teams", "create", "--name", "A", "--colour=red"}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("unknown flag --colour for \"teams create\"")));
}

TEST(CommandLineTest, FlagTakesEqualsOrSpaceForm) {
  EXPECT_EQ(RequestFor({"teams", "create", "--name=Sales"}),
            RequestFor({"teams", "create", "--name", "Sales"}));
  EXPECT_EQ(RequestFor({"teams", "create", "--name=Sales"}),
            json({{"team", {{"name", "Sales"}}}}));
}

TEST(CommandLineTest, ValueMayContainEqualsSign) {
  EXPECT_EQ(RequestFor({"target-lists", "create", "--name", "a",
                        "--description=x=y"})["targetList"]["description"],
            "x=y");
}

TEST(CommandLineTest, FlagWithoutValueIsUsageError) {
  EXPECT_THAT(Parse({"teams", "create", "--name"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--name needs a value")));
}

TEST(CommandLineTest, ListFlagBecomesArrayOfTrimmedItems) {
  const json request =
      RequestFor({"entry-points", "create", "--name", "W", "--payload-fields",
                  "firstName, lastName,,emailAddress", "--allowed-origins="});

  EXPECT_EQ(request["entryPoint"]["payloadFields"],
            json({"firstName", "lastName", "emailAddress"}));
  EXPECT_EQ(request["entryPoint"]["allowedOrigins"], json::array());
}

TEST(CommandLineTest, BoolFlagForms) {
  const std::vector<std::string> create = {"entry-points", "create", "--name",
                                           "W"};
  auto with = [&create](std::vector<std::string> extra) {
    std::vector<std::string> args = create;
    args.insert(args.end(), extra.begin(), extra.end());
    return RequestFor(args)["entryPoint"]["duplicateCheck"];
  };

  EXPECT_EQ(with({"--duplicate-check"}), true);
  EXPECT_EQ(with({"--duplicate-check=true"}), true);
  EXPECT_EQ(with({"--duplicate-check=false"}), false);
  EXPECT_EQ(with({"--duplicate-check", "false"}), false);
  EXPECT_EQ(with({"--duplicate-check=FALSE"}), false);
}

TEST(CommandLineTest, BareBoolFlagLeavesNextArgumentAlone) {
  absl::StatusOr<Invocation> invocation =
      Parse({"entry-points", "update", "--active", "ep1"});

  ASSERT_THAT(invocation, IsOk());
  EXPECT_EQ(invocation->positional, "ep1");
  EXPECT_EQ(BuildRequestJson(*invocation)["entryPoint"]["isActive"], true);
}

TEST(CommandLineTest, BadBoolIsUsageError) {
  EXPECT_THAT(Parse({"entry-points", "update", "ep1", "--active=maybe"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--active takes true or false")));
}

TEST(CommandLineTest, IntFlagBecomesNumber) {
  EXPECT_EQ(RequestFor({"teams", "list", "--page-size", "20"}),
            json({{"pageSize", 20}}));
  EXPECT_THAT(Parse({"teams", "list", "--page-size=many"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--page-size takes an integer")));
  EXPECT_THAT(Parse({"teams", "list", "--page-size=99999999999"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CommandLineTest, IntFlagTooLargeForInt32SaysOutOfRange) {
  for (const std::string value :
       {"1000000000000", "2147483648", "-2147483649",
        "99999999999999999999999999"}) {
    EXPECT_THAT(
        Parse({"teams", "list", "--page-size", value}),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 ::testing::AllOf(HasSubstr("--page-size"),
                                  HasSubstr("out of range"),
                                  Not(HasSubstr("takes an integer, not")))))
        << value;
  }
  EXPECT_EQ(RequestFor({"teams", "list", "--page-size", "2147483647"}),
            json({{"pageSize", 2147483647}}));
}

TEST(CommandLineTest, PositionalFillsItsPath) {
  EXPECT_EQ(RequestFor({"entry-points", "get", "ep1"}), json({{"id", "ep1"}}));
  EXPECT_EQ(RequestFor({"campaigns", "logs", "c1"}),
            json({{"campaignId", "c1"}}));
  EXPECT_EQ(RequestFor({"target-lists", "add-member", "tl1", "--type",
                        "contact", "--member", "k1"}),
            json({{"targetListId", "tl1"}, {"type", "contact"}, {"id", "k1"}}));
}

TEST(CommandLineTest, MissingPositionalIsUsageError) {
  EXPECT_THAT(
      Parse({"entry-points", "rotate-key"}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("missing ID for \"entry-points rotate-key\"")));
}

TEST(CommandLineTest, ExtraPositionalIsUsageError) {
  EXPECT_THAT(Parse({"entry-points", "get", "a", "b"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unexpected argument \"b\"")));
  EXPECT_THAT(Parse({"teams", "list", "x"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CommandLineTest, DoubleDashEndsFlags) {
  absl::StatusOr<Invocation> invocation =
      Parse({"leads", "get", "--", "-odd-id"});

  ASSERT_THAT(invocation, IsOk());
  EXPECT_EQ(invocation->positional, "-odd-id");
}

TEST(CommandLineTest, MissingRequiredFlagIsUsageError) {
  EXPECT_THAT(Parse({"target-lists", "add-member", "tl1", "--type", "lead"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("missing flag --member")));
  EXPECT_THAT(Parse({"entry-points", "create"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("missing flag --name")));
}

TEST(CommandLineTest, RepeatedFlagKeepsLastValue) {
  EXPECT_EQ(RequestFor({"teams", "create", "--name", "A", "--name", "B"}),
            json({{"team", {{"name", "B"}}}}));
}

TEST(CommandLineTest, UpdateMaskNamesOnlyGivenFlags) {
  const json request = RequestFor(
      {"entry-points", "update", "ep1", "--name", "New", "--required", "",
       "--target-list", "tl2", "--subscribe-to-target-list=false",
       "--phone-country", "DE", "--lead-source", "Fair", "--campaign", "c"});

  EXPECT_EQ(request["entryPoint"]["id"], "ep1");
  EXPECT_EQ(request["updateMask"],
            "name,requiredFields,targetListId,subscribeToTargetList,"
            "phoneCountry,leadSource,campaignId");

  // The JSON mask becomes the proto field names.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> message =
      JsonToMessage(*v1::UpdateEntryPointRequest::descriptor(), request.dump());
  ASSERT_THAT(message, IsOk());
  const auto& update =
      static_cast<const v1::UpdateEntryPointRequest&>(**message);
  EXPECT_THAT(update.update_mask().paths(),
              ElementsAre("name", "required_fields", "target_list_id",
                          "subscribe_to_target_list", "phone_country",
                          "lead_source", "campaign_id"));
  EXPECT_TRUE(update.entry_point().has_subscribe_to_target_list());
  EXPECT_FALSE(update.entry_point().subscribe_to_target_list());
}

TEST(CommandLineTest, UpdateWithoutFlagsIsUsageError) {
  EXPECT_THAT(Parse({"entry-points", "update", "ep1"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("nothing to change")));
}

TEST(CommandLineTest, NonUpdateCommandsHaveNoMask) {
  EXPECT_FALSE(RequestFor({"entry-points", "create", "--name", "W"})
                   .contains("updateMask"));
}

TEST(CommandLineTest, UnknownCommandIsUsageError) {
  EXPECT_THAT(Parse({"widgets"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown command \"widgets\"")));
  EXPECT_THAT(Parse({"entry-points", "explode"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("entry-points explode")));
  EXPECT_THAT(Parse({"entry-points"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs a subcommand")));
  EXPECT_THAT(Parse({}), StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("missing command")));
}

TEST(CommandLineTest, HelpForms) {
  struct Case {
    std::vector<std::string> args;
    std::string topic;
  };
  const Case cases[] = {
      {{"--help"}, ""},
      {{"help"}, ""},
      {{"help", "entry-points"}, "entry-points"},
      {{"entry-points", "--help"}, "entry-points"},
      {{"entry-points", "create", "--help"}, "entry-points create"},
      {{"help", "entry-points", "create"}, "entry-points create"},
      {{"target-lists", "add-member", "-h"}, "target-lists add-member"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Invocation> invocation = Parse(c.args);
    ASSERT_THAT(invocation, IsOk()) << absl::StrJoin(c.args, " ");
    EXPECT_TRUE(invocation->help);
    EXPECT_EQ(invocation->help_topic, c.topic);
  }
  EXPECT_THAT(Parse({"help", "widgets"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CommandLineTest, CallTakesMethodAndData) {
  absl::StatusOr<Invocation> invocation =
      Parse({"call", "AdminService/ListLeads", "-d", "{}"});

  ASSERT_THAT(invocation, IsOk());
  EXPECT_EQ(invocation->command->mode, CommandMode::kCall);
  EXPECT_EQ(invocation->positional, "AdminService/ListLeads");
  ASSERT_NE(invocation->FindFlag("d"), nullptr);
  EXPECT_EQ(invocation->FindFlag("d")->value, "{}");
  EXPECT_THAT(Parse({"call"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("missing METHOD")));
}

TEST(CommandLineTest, ListTakesOptionalService) {
  EXPECT_THAT(Parse({"list"}), IsOk());
  EXPECT_THAT(Parse({"list", "AdminService"}), IsOk());
}

TEST(UsageTextTest, OverviewListsEveryCommand) {
  const std::string text = UsageText("");

  for (const CommandSpec& command : Commands()) {
    EXPECT_THAT(text, HasSubstr(command.words));
  }
  EXPECT_THAT(text, HasSubstr("--address"));
  EXPECT_THAT(text, HasSubstr("LEADCAPTURE_TOKEN_FILE"));
}

TEST(UsageTextTest, GroupListsOnlyItsSubcommands) {
  const std::string text = UsageText("target-lists");

  EXPECT_THAT(text, HasSubstr("target-lists remove-member ID"));
  EXPECT_THAT(text, Not(HasSubstr("entry-points")));
}

TEST(UsageTextTest, CommandListsItsFlags) {
  const std::string text = UsageText("entry-points create");

  EXPECT_THAT(text, HasSubstr("--payload-fields=A,B,..."));
  EXPECT_THAT(text, HasSubstr("--duplicate-check[=true|false]"));
  EXPECT_THAT(text, HasSubstr("CreateEntryPoint"));
  EXPECT_THAT(UsageText("leads list"), HasSubstr("--page-size=N"));
}

TEST(UsageTextTest, LinesFitEightyColumns) {
  std::vector<std::string> topics = {"", "entry-points"};
  for (const CommandSpec& command : Commands()) {
    topics.push_back(command.words);
  }
  for (const std::string& topic : topics) {
    for (absl::string_view line : absl::StrSplit(UsageText(topic), '\n')) {
      EXPECT_LE(line.size(), 80u) << line;
    }
  }
}

// Every table row must call an AdminService method, and every flag and
// positional path must fit that method's request.
TEST(CommandTableTest, EveryRowBuildsAValidRequest) {
  for (const CommandSpec& command : Commands()) {
    if (command.method.empty()) continue;
    SCOPED_TRACE(command.words);
    absl::StatusOr<const google::protobuf::MethodDescriptor*> method =
        FindMethod(command.FullMethod());
    ASSERT_THAT(method, IsOk());

    std::vector<std::string> args = absl::StrSplit(command.words, ' ');
    if (!command.positional.empty()) args.push_back("some-id");
    for (const FlagSpec& flag : command.flags) {
      const char* value = flag.kind == FlagKind::kBool   ? "true"
                          : flag.kind == FlagKind::kInt  ? "3"
                          : flag.kind == FlagKind::kList ? "a,b"
                                                         : "text";
      args.push_back(absl::StrCat("--", flag.name, "=", value));
    }
    absl::StatusOr<Invocation> invocation = Parse(args);
    ASSERT_THAT(invocation, IsOk());
    EXPECT_THAT(JsonToMessage(*(*method)->input_type(),
                              BuildRequestJson(*invocation).dump()),
                IsOk());
  }
}

}  // namespace
}  // namespace leadcapture::leadctl
