#include "tools/leadctl/command_table.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace leadcapture::leadctl {
namespace {

using K = FlagKind;
using M = CommandMode;

// The settings of an entry point, shared by create and update. On create
// the name must be given; on update every flag is optional and each one
// given is named in the update mask.
std::vector<FlagSpec> EntryPointFlags(bool name_required) {
  return {
      {"name", K::kString, "entryPoint.name", "name for administrators",
       name_required},
      {"payload-fields", K::kList, "entryPoint.payloadFields",
       "the payload keys that are accepted"},
      {"required", K::kList, "entryPoint.requiredFields",
       "payload fields that must have a value"},
      {"target-list", K::kString, "entryPoint.targetListId",
       "target list to subscribe captured leads to"},
      {"team", K::kString, "entryPoint.targetTeamId",
       "team that captured leads are put on"},
      {"campaign", K::kString, "entryPoint.campaignId",
       "campaign that captured leads belong to"},
      {"lead-source", K::kString, "entryPoint.leadSource",
       "source of created leads (default \"Web Site\")"},
      {"duplicate-check", K::kBool, "entryPoint.duplicateCheck",
       "reuse a matching lead (default true)"},
      {"subscribe-to-target-list", K::kBool, "entryPoint.subscribeToTargetList",
       "subscribe to the target list (default true)"},
      {"subscribe-contact-if-exists", K::kBool,
       "entryPoint.subscribeContactIfExists",
       "subscribe a matching contact (default true)"},
      {"phone-country", K::kString, "entryPoint.phoneCountry",
       "ISO country code for national phone numbers"},
      {"allowed-origins", K::kList, "entryPoint.allowedOrigins",
       "origins that browsers may post from"},
      {"active", K::kBool, "entryPoint.isActive",
       "take captures (default true)"},
      {"opt-in", K::kBool, "entryPoint.optIn",
       "confirm captures by mail (default false)"},
      {"opt-in-template", K::kString, "entryPoint.optInTemplateId",
       "e-mail template of the confirmation mail"},
      {"opt-in-lifetime-hours", K::kInt, "entryPoint.optInLifetimeHours",
       "link lifetime in hours (default 48)"},
      {"opt-in-success-message", K::kString,
       "entryPoint.optInSuccessMessage",
       "confirmation page text, in Markdown"},
      {"opt-in-success-redirect-url", K::kString,
       "entryPoint.optInSuccessRedirectUrl",
       "send the person here after confirming"},
      {"create-lead-before-confirmation", K::kBool,
       "entryPoint.createLeadBeforeConfirmation",
       "create the lead at once (default false)"},
      {"skip-confirmation-if-subscribed", K::kBool,
       "entryPoint.skipConfirmationIfSubscribed",
       "no mail to list members (default false)"},
      {"opt-in-confirm-with-button", K::kBool,
       "entryPoint.optInConfirmWithButton",
       "confirm by a button (default false)"},
      {"mail-from", K::kString, "entryPoint.mailFrom",
       "From address of confirmation mails"},
  };
}

// The fields of an e-mail template, shared by create and update.
std::vector<FlagSpec> EmailTemplateFlags(bool required) {
  return {
      {"name", K::kString, "emailTemplate.name", "name for administrators",
       required},
      {"subject", K::kString, "emailTemplate.subject",
       "subject line, with placeholders", required},
      {"body", K::kString, "emailTemplate.body", "body, with placeholders",
       required},
      {"html", K::kBool, "emailTemplate.isHtml",
       "the body is HTML (default false)"},
  };
}

// The flags that name one member of a target list, and for an update of
// the membership its new opt-out flag.
std::vector<FlagSpec> MemberFlags(bool with_opted_out) {
  std::vector<FlagSpec> flags = {
      {"type", K::kString, "type", "lead or contact", true},
      {"member", K::kString, "id", "the lead's or contact's id", true},
  };
  if (with_opted_out) {
    flags.push_back({"opted-out", K::kBool, "optedOut",
                     "whether the member has opted out", true});
  }
  return flags;
}

std::vector<CommandSpec>* BuildCommands() {
  auto* table = new std::vector<CommandSpec>{
      // Entry points.
      {"entry-points create", M::kUnary, "CreateEntryPoint", "", "",
       EntryPointFlags(/*name_required=*/true),
       "Creates an entry point with a fresh API key."},
      {"entry-points get",
       M::kUnary,
       "GetEntryPoint",
       "ID",
       "id",
       {},
       "Prints an entry point."},
      {"entry-points list",
       M::kPaged,
       "ListEntryPoints",
       "",
       "",
       {},
       "Lists entry points."},
      {"entry-points update", M::kUpdate, "UpdateEntryPoint", "ID",
       "entryPoint.id", EntryPointFlags(/*name_required=*/false),
       "Changes only the settings given as flags."},
      {"entry-points delete",
       M::kUnary,
       "DeleteEntryPoint",
       "ID",
       "id",
       {},
       "Deletes an entry point; its key stops."},
      {"entry-points rotate-key",
       M::kUnary,
       "RotateEntryPointApiKey",
       "ID",
       "id",
       {},
       "Gives an entry point a new API key."},
      {"entry-points example",
       M::kUnary,
       "GetEntryPointExample",
       "ID",
       "id",
       {},
       "Shows how a web site posts to an entry point."},

      // Target lists and their members.
      {"target-lists create",
       M::kUnary,
       "CreateTargetList",
       "",
       "",
       {{"name", K::kString, "targetList.name", "name for administrators",
         true},
        {"description", K::kString, "targetList.description", "free text"}},
       "Creates a target list."},
      {"target-lists get",
       M::kUnary,
       "GetTargetList",
       "ID",
       "id",
       {},
       "Prints a target list."},
      {"target-lists list",
       M::kPaged,
       "ListTargetLists",
       "",
       "",
       {},
       "Lists target lists."},
      {"target-lists delete",
       M::kUnary,
       "DeleteTargetList",
       "ID",
       "id",
       {},
       "Deletes a target list and its memberships."},
      {"target-lists members",
       M::kPaged,
       "ListTargetListMembers",
       "ID",
       "targetListId",
       {},
       "Lists the leads and contacts on a list."},
      {"target-lists add-member", M::kUnary, "AddTargetListMember", "ID",
       "targetListId", MemberFlags(/*with_opted_out=*/false),
       "Puts a lead or contact on a target list."},
      {"target-lists update-member", M::kUnary, "UpdateTargetListMember", "ID",
       "targetListId", MemberFlags(/*with_opted_out=*/true),
       "Sets or clears a member's opt-out."},
      {"target-lists remove-member", M::kUnary, "RemoveTargetListMember", "ID",
       "targetListId", MemberFlags(/*with_opted_out=*/false),
       "Takes a lead or contact off a target list."},

      // Teams.
      {"teams create",
       M::kUnary,
       "CreateTeam",
       "",
       "",
       {{"name", K::kString, "team.name", "name for administrators", true}},
       "Creates a team."},
      {"teams get", M::kUnary, "GetTeam", "ID", "id", {}, "Prints a team."},
      {"teams list", M::kPaged, "ListTeams", "", "", {}, "Lists teams."},

      // Campaigns.
      {"campaigns create",
       M::kUnary,
       "CreateCampaign",
       "",
       "",
       {{"name", K::kString, "campaign.name", "name for administrators", true}},
       "Creates a campaign."},
      {"campaigns get",
       M::kUnary,
       "GetCampaign",
       "ID",
       "id",
       {},
       "Prints a campaign."},
      {"campaigns list",
       M::kPaged,
       "ListCampaigns",
       "",
       "",
       {},
       "Lists campaigns."},
      {"campaigns logs",
       M::kPaged,
       "ListCampaignLogs",
       "ID",
       "campaignId",
       {},
       "Lists a campaign's log."},

      // Contacts.
      {"contacts create",
       M::kUnary,
       "CreateContact",
       "",
       "",
       {{"salutation", K::kString, "contact.salutationName",
         "Mr., Ms., Mrs. or Dr."},
        {"first-name", K::kString, "contact.firstName", "given name"},
        {"last-name", K::kString, "contact.lastName", "family name"},
        {"email-address", K::kString, "contact.emailAddress", "e-mail address"},
        {"phone-number", K::kString, "contact.phoneNumber", "phone number"}},
       "Creates a contact."},
      {"contacts get",
       M::kUnary,
       "GetContact",
       "ID",
       "id",
       {},
       "Prints a contact."},
      {"contacts list",
       M::kPaged,
       "ListContacts",
       "",
       "",
       {},
       "Lists contacts."},

      // Leads and capture logs.
      {"leads list",
       M::kPaged,
       "ListLeads",
       "",
       "",
       {{"entry-point", K::kString, "entryPointId",
         "only leads created by this entry point"}},
       "Lists leads."},
      {"leads get", M::kUnary, "GetLead", "ID", "id", {}, "Prints a lead."},
      {"capture-logs list",
       M::kPaged,
       "ListCaptureLogs",
       "",
       "",
       {{"entry-point", K::kString, "entryPointId",
         "only captures of this entry point"}},
       "Lists capture logs."},

      // E-mail templates.
      {"email-templates create", M::kUnary, "CreateEmailTemplate", "", "",
       EmailTemplateFlags(/*required=*/true),
       "Creates an e-mail template."},
      {"email-templates get", M::kUnary, "GetEmailTemplate", "ID", "id", {},
       "Prints an e-mail template."},
      {"email-templates list", M::kPaged, "ListEmailTemplates", "", "", {},
       "Lists e-mail templates."},
      {"email-templates update", M::kUpdate, "UpdateEmailTemplate", "ID",
       "emailTemplate.id", EmailTemplateFlags(/*required=*/false),
       "Changes only the fields given as flags."},
      {"email-templates delete", M::kUnary, "DeleteEmailTemplate", "ID",
       "id", {}, "Deletes an e-mail template."},

      // Double opt-in and the outbox.
      {"opt-in-requests list",
       M::kPaged,
       "ListOptInRequests",
       "",
       "",
       {{"entry-point", K::kString, "entryPointId",
         "only requests of this entry point"}},
       "Lists opt-in requests (consent evidence)."},
      {"opt-in-requests get", M::kUnary, "GetOptInRequest", "ID", "id", {},
       "Prints a double opt-in request."},
      {"outbox list", M::kPaged, "ListOutboxMessages", "", "", {},
       "Lists queued, sent and failed mail."},

      // Built-in commands in the style of grpcurl.
      {"call",
       M::kCall,
       "",
       "METHOD",
       "",
       {{"d", K::kString, "", "JSON request; @FILE, or @- for stdin"}},
       "Calls any method with a JSON request."},
      {"list",
       M::kList,
       "",
       "[SERVICE]",
       "",
       {},
       "Lists the services, or a service's methods."},
      {"describe",
       M::kDescribe,
       "",
       "NAME",
       "",
       {},
       "Prints a service, method, message or enum."},
  };

  // Paging flags are the same for every list; without them leadctl follows
  // every page.
  for (CommandSpec& command : *table) {
    if (command.mode != M::kPaged) continue;
    command.flags.push_back({"page-size", K::kInt, "pageSize",
                             "at most this many items; fetch one page"});
    command.flags.push_back({"page-token", K::kString, "pageToken",
                             "nextPageToken of the previous page"});
  }
  return table;
}

}  // namespace

std::string CommandSpec::FullMethod() const {
  if (method.empty()) return "";
  return absl::StrCat(kAdminService, "/", method);
}

bool CommandSpec::PositionalRequired() const {
  return !positional.empty() && !absl::StartsWith(positional, "[");
}

const FlagSpec* CommandSpec::FindFlag(absl::string_view name) const {
  for (const FlagSpec& flag : flags) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec>* const commands = BuildCommands();
  return *commands;
}

const CommandSpec* FindCommand(absl::string_view words) {
  for (const CommandSpec& command : Commands()) {
    if (command.words == words) return &command;
  }
  return nullptr;
}

bool IsCommandGroup(absl::string_view word) {
  const std::string prefix = absl::StrCat(word, " ");
  for (const CommandSpec& command : Commands()) {
    if (absl::StartsWith(command.words, prefix)) return true;
  }
  return false;
}

}  // namespace leadcapture::leadctl
