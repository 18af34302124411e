#include "services/admin_service.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/field_mask_util.h"
#include "services/entry_points.h"
#include "services/grpc_status.h"
#include "services/opt_in.h"
#include "services/payload.h"
#include "services/time_util.h"
#include "services/util/random.h"
#include "services/util/status_macros.h"

namespace leadcapture {
namespace {

using storage::MemberType;
using storage::PageRequest;
using storage::Transaction;

constexpr int32_t kDefaultPageSize = 50;
constexpr int32_t kMaxPageSize = 1000;

absl::StatusOr<PageRequest> MakePage(int32_t page_size,
                                     const std::string& page_token) {
  if (page_size < 0) {
    return absl::InvalidArgumentError("page_size must not be negative");
  }
  PageRequest page;
  page.page_size =
      page_size == 0 ? kDefaultPageSize : std::min(page_size, kMaxPageSize);
  page.page_token = page_token;
  return page;
}

// Copies a storage page into a list response.
template <typename T, typename Field, typename Response>
void FillPage(storage::Page<T> page, Field* items, Response* response) {
  for (T& item : page.items) *items->Add() = std::move(item);
  response->set_next_page_token(std::move(page.next_page_token));
}

absl::StatusOr<MemberType> ParseMemberType(absl::string_view type) {
  if (type == "lead") return MemberType::kLead;
  if (type == "contact") return MemberType::kContact;
  return absl::InvalidArgumentError(
      absl::StrCat("type must be \"lead\" or \"contact\", not \"", type, "\""));
}

absl::Status RequireId(absl::string_view id, absl::string_view what) {
  if (id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " id is required"));
  }
  return absl::OkStatus();
}

absl::Status RequireName(const std::string& name, absl::string_view what) {
  if (absl::StripAsciiWhitespace(name).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a ", what, " needs a name"));
  }
  if (name.size() > 1020) {
    return absl::InvalidArgumentError("name: at most 255 characters");
  }
  return absl::OkStatus();
}

// Contacts follow the same field rules as captured payloads.
absl::Status CleanContact(v1::Contact* contact) {
  v1::EntryPoint rules;
  for (const char* field : {"salutationName", "firstName", "lastName",
                            "emailAddress", "phoneNumber"}) {
    rules.add_payload_fields(field);
  }
  google::protobuf::Struct values;
  auto& fields = *values.mutable_fields();
  fields["salutationName"].set_string_value(contact->salutation_name());
  fields["firstName"].set_string_value(contact->first_name());
  fields["lastName"].set_string_value(contact->last_name());
  fields["emailAddress"].set_string_value(contact->email_address());
  fields["phoneNumber"].set_string_value(contact->phone_number());
  LC_ASSIGN_OR_RETURN(CleanPayload clean, CleanAndValidate(rules, values));
  auto value = [&clean](absl::string_view field) {
    const std::string* found = clean.Find(field);
    return found == nullptr ? std::string() : *found;
  };
  contact->set_salutation_name(value("salutationName"));
  contact->set_first_name(value("firstName"));
  contact->set_last_name(value("lastName"));
  contact->set_email_address(value("emailAddress"));
  contact->set_phone_number(value("phoneNumber"));
  return absl::OkStatus();
}

absl::Status CheckEmailTemplate(const v1::EmailTemplate& email_template) {
  LC_RETURN_IF_ERROR(RequireName(email_template.name(), "template"));
  if (absl::StripAsciiWhitespace(email_template.subject()).empty()) {
    return absl::InvalidArgumentError("subject: a template needs a subject");
  }
  if (email_template.subject().find_first_of("\r\n") != std::string::npos) {
    return absl::InvalidArgumentError("subject: must be one line");
  }
  if (email_template.subject().size() > 998 ||
      email_template.body().size() > 1024 * 1024) {
    return absl::InvalidArgumentError("the template is too long");
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status AdminServiceImpl::Run(grpc::ServerContext* context,
                                   absl::string_view method,
                                   storage::TransactionMode mode,
                                   const Work& work) {
  absl::Status status = auth_.Check(*context);
  if (status.ok()) {
    status = [&]() -> absl::Status {
      LC_ASSIGN_OR_RETURN(auto tx, store_.Begin(mode));
      LC_RETURN_IF_ERROR(work(*tx));
      if (mode == storage::TransactionMode::kReadWrite) {
        return tx->Commit();
      }
      return absl::OkStatus();
    }();
  }
  return ToGrpcStatus(status, context, method);
}

grpc::Status AdminServiceImpl::CreateEntryPoint(
    grpc::ServerContext* context, const v1::CreateEntryPointRequest* request,
    v1::EntryPoint* response) {
  return Write(context, "CreateEntryPoint", [&](Transaction& tx) {
    v1::EntryPoint entry_point = request->entry_point();
    ApplyEntryPointDefaults(&entry_point);
    LC_RETURN_IF_ERROR(ValidateEntryPoint(entry_point, tx));
    const auto now = ToTimestamp(clock_.Now());
    entry_point.set_id(NewId());
    entry_point.set_api_key(NewApiKey());
    *entry_point.mutable_created_at() = now;
    *entry_point.mutable_modified_at() = now;
    LC_RETURN_IF_ERROR(tx.CreateEntryPoint(entry_point));
    *response = std::move(entry_point);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetEntryPoint(
    grpc::ServerContext* context, const v1::GetEntryPointRequest* request,
    v1::EntryPoint* response) {
  return Read(context, "GetEntryPoint", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->id(), "entry point"));
    LC_ASSIGN_OR_RETURN(*response, tx.GetEntryPoint(request->id()));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListEntryPoints(
    grpc::ServerContext* context, const v1::ListEntryPointsRequest* request,
    v1::ListEntryPointsResponse* response) {
  return Read(context, "ListEntryPoints", [&](Transaction& tx) {
    LC_ASSIGN_OR_RETURN(PageRequest page,
                        MakePage(request->page_size(), request->page_token()));
    LC_ASSIGN_OR_RETURN(auto items, tx.ListEntryPoints(page));
    FillPage(std::move(items), response->mutable_entry_points(), response);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::UpdateEntryPoint(
    grpc::ServerContext* context, const v1::UpdateEntryPointRequest* request,
    v1::EntryPoint* response) {
  return Write(context, "UpdateEntryPoint", [&](Transaction& tx) {
    const v1::EntryPoint& changes = request->entry_point();
    LC_RETURN_IF_ERROR(RequireId(changes.id(), "entry point"));
    const auto& mask = request->update_mask();
    if (mask.paths().empty()) {
      return absl::InvalidArgumentError("update_mask names no field");
    }
    for (const std::string& path : mask.paths()) {
      if (path == "id" || path == "api_key" || path == "created_at" ||
          path == "modified_at" ||
          v1::EntryPoint::descriptor()->FindFieldByName(path) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "update_mask: \"", path, "\" is not a field that can be changed"));
      }
    }
    LC_ASSIGN_OR_RETURN(v1::EntryPoint entry_point,
                        tx.GetEntryPoint(changes.id()));
    google::protobuf::util::FieldMaskUtil::MergeOptions options;
    options.set_replace_repeated_fields(true);
    google::protobuf::util::FieldMaskUtil::MergeMessageTo(
        changes, mask, options, &entry_point);
    ApplyEntryPointDefaults(&entry_point);
    LC_RETURN_IF_ERROR(ValidateEntryPoint(entry_point, tx));
    *entry_point.mutable_modified_at() = ToTimestamp(clock_.Now());
    LC_RETURN_IF_ERROR(tx.UpdateEntryPoint(entry_point));
    *response = std::move(entry_point);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::DeleteEntryPoint(
    grpc::ServerContext* context, const v1::DeleteEntryPointRequest* request,
    google::protobuf::Empty*) {
  return Write(context, "DeleteEntryPoint", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->id(), "entry point"));
    return tx.DeleteEntryPoint(request->id());
  });
}

grpc::Status AdminServiceImpl::RotateEntryPointApiKey(
    grpc::ServerContext* context,
    const v1::RotateEntryPointApiKeyRequest* request,
    v1::EntryPoint* response) {
  return Write(context, "RotateEntryPointApiKey", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->id(), "entry point"));
    LC_ASSIGN_OR_RETURN(v1::EntryPoint entry_point,
                        tx.GetEntryPoint(request->id()));
    entry_point.set_api_key(NewApiKey());
    *entry_point.mutable_modified_at() = ToTimestamp(clock_.Now());
    LC_RETURN_IF_ERROR(tx.UpdateEntryPoint(entry_point));
    *response = std::move(entry_point);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetEntryPointExample(
    grpc::ServerContext* context,
    const v1::GetEntryPointExampleRequest* request,
    v1::EntryPointExample* response) {
  return Read(context, "GetEntryPointExample", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->id(), "entry point"));
    LC_ASSIGN_OR_RETURN(v1::EntryPoint entry_point,
                        tx.GetEntryPoint(request->id()));
    *response = MakeExample(entry_point, public_url_);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::CreateTargetList(
    grpc::ServerContext* context, const v1::CreateTargetListRequest* request,
    v1::TargetList* response) {
  return Write(context, "CreateTargetList", [&](Transaction& tx) {
    v1::TargetList target_list = request->target_list();
    LC_RETURN_IF_ERROR(RequireName(target_list.name(), "target list"));
    const auto now = ToTimestamp(clock_.Now());
    target_list.set_id(NewId());
    *target_list.mutable_created_at() = now;
    *target_list.mutable_modified_at() = now;
    LC_RETURN_IF_ERROR(tx.CreateTargetList(target_list));
    *response = std::move(target_list);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetTargetList(
    grpc::ServerContext* context, const v1::GetTargetListRequest* request,
    v1::TargetList* response) {
  return Read(context, "GetTargetList", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->id(), "target list"));
    LC_ASSIGN_OR_RETURN(*response, tx.GetTargetList(request->id()));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListTargetLists(
    grpc::ServerContext* context, const v1::ListTargetListsRequest* request,
    v1::ListTargetListsResponse* response) {
  return Read(context, "ListTargetLists", [&](Transaction& tx) {
    LC_ASSIGN_OR_RETURN(PageRequest page,
                        MakePage(request->page_size(), request->page_token()));
    LC_ASSIGN_OR_RETURN(auto items, tx.ListTargetLists(page));
    FillPage(std::move(items), response->mutable_target_lists(), response);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::DeleteTargetList(
    grpc::ServerContext* context, const v1::DeleteTargetListRequest* request,
    google::protobuf::Empty*) {
  return Write(context, "DeleteTargetList", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->id(), "target list"));
    return tx.DeleteTargetList(request->id());
  });
}

grpc::Status AdminServiceImpl::ListTargetListMembers(
    grpc::ServerContext* context,
    const v1::ListTargetListMembersRequest* request,
    v1::ListTargetListMembersResponse* response) {
  return Read(context, "ListTargetListMembers", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->target_list_id(), "target list"));
    LC_RETURN_IF_ERROR(tx.GetTargetList(request->target_list_id()).status());
    LC_ASSIGN_OR_RETURN(PageRequest page,
                        MakePage(request->page_size(), request->page_token()));
    LC_ASSIGN_OR_RETURN(auto items,
                        tx.ListMembers(request->target_list_id(), page));
    FillPage(std::move(items), response->mutable_members(), response);
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::TargetListMember> AdminServiceImpl::DescribeMember(
    Transaction& tx, absl::string_view target_list_id, MemberType type,
    absl::string_view member_id) {
  LC_ASSIGN_OR_RETURN(auto membership,
                      tx.GetMembership(target_list_id, type, member_id));
  if (!membership.has_value()) {
    return absl::NotFoundError(
        absl::StrCat(storage::MemberTypeName(type), " ", member_id,
                     " is not on target list ", target_list_id));
  }
  v1::TargetListMember member;
  member.set_type(std::string(storage::MemberTypeName(type)));
  member.set_id(std::string(member_id));
  member.set_opted_out(membership->opted_out);
  std::string first, last;
  if (type == MemberType::kLead) {
    LC_ASSIGN_OR_RETURN(v1::Lead lead, tx.GetLead(member_id));
    member.set_email_address(lead.email_address());
    first = lead.first_name();
    last = lead.last_name();
  } else {
    LC_ASSIGN_OR_RETURN(v1::Contact contact, tx.GetContact(member_id));
    member.set_email_address(contact.email_address());
    first = contact.first_name();
    last = contact.last_name();
  }
  member.set_name(
      std::string(absl::StripAsciiWhitespace(absl::StrCat(first, " ", last))));
  return member;
}

grpc::Status AdminServiceImpl::AddTargetListMember(
    grpc::ServerContext* context, const v1::AddTargetListMemberRequest* request,
    v1::TargetListMember* response) {
  return Write(context, "AddTargetListMember", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->target_list_id(), "target list"));
    LC_RETURN_IF_ERROR(RequireId(request->id(), "member"));
    LC_ASSIGN_OR_RETURN(MemberType type, ParseMemberType(request->type()));
    LC_RETURN_IF_ERROR(tx.PutMembership(request->target_list_id(), type,
                                        request->id(), /*opted_out=*/false,
                                        clock_.Now()));
    LC_ASSIGN_OR_RETURN(*response, DescribeMember(tx, request->target_list_id(),
                                                  type, request->id()));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::UpdateTargetListMember(
    grpc::ServerContext* context,
    const v1::UpdateTargetListMemberRequest* request,
    v1::TargetListMember* response) {
  return Write(context, "UpdateTargetListMember", [&](Transaction& tx) {
    LC_ASSIGN_OR_RETURN(MemberType type, ParseMemberType(request->type()));
    LC_ASSIGN_OR_RETURN(
        auto membership,
        tx.GetMembership(request->target_list_id(), type, request->id()));
    if (!membership.has_value()) {
      return absl::NotFoundError(
          absl::StrCat(request->type(), " ", request->id(),
                       " is not on target list ", request->target_list_id()));
    }
    LC_RETURN_IF_ERROR(tx.PutMembership(request->target_list_id(), type,
                                        request->id(), request->opted_out(),
                                        clock_.Now()));
    LC_ASSIGN_OR_RETURN(*response, DescribeMember(tx, request->target_list_id(),
                                                  type, request->id()));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::RemoveTargetListMember(
    grpc::ServerContext* context,
    const v1::RemoveTargetListMemberRequest* request,
    google::protobuf::Empty*) {
  return Write(context, "RemoveTargetListMember", [&](Transaction& tx) {
    LC_ASSIGN_OR_RETURN(MemberType type, ParseMemberType(request->type()));
    return tx.DeleteMembership(request->target_list_id(), type, request->id());
  });
}

grpc::Status AdminServiceImpl::CreateTeam(grpc::ServerContext* context,
                                          const v1::CreateTeamRequest* request,
                                          v1::Team* response) {
  return Write(context, "CreateTeam", [&](Transaction& tx) {
    v1::Team team = request->team();
    LC_RETURN_IF_ERROR(RequireName(team.name(), "team"));
    const auto now = ToTimestamp(clock_.Now());
    team.set_id(NewId());
    *team.mutable_created_at() = now;
    *team.mutable_modified_at() = now;
    LC_RETURN_IF_ERROR(tx.CreateTeam(team));
    *response = std::move(team);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetTeam(grpc::ServerContext* context,
                                       const v1::GetTeamRequest* request,
                                       v1::Team* response) {
  return Read(context, "GetTeam", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->id(), "team"));
    LC_ASSIGN_OR_RETURN(*response, tx.GetTeam(request->id()));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListTeams(grpc::ServerContext* context,
                                         const v1::ListTeamsRequest* request,
                                         v1::ListTeamsResponse* response) {
  return Read(context, "ListTeams", [&](Transaction& tx) {
    LC_ASSIGN_OR_RETURN(PageRequest page,
                        MakePage(request->page_size(), request->page_token()));
    LC_ASSIGN_OR_RETURN(auto items, tx.ListTeams(page));
    FillPage(std::move(items), response->mutable_teams(), response);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::CreateCampaign(
    grpc::ServerContext* context, const v1::CreateCampaignRequest* request,
    v1::Campaign* response) {
  return Write(context, "CreateCampaign", [&](Transaction& tx) {
    v1::Campaign campaign = request->campaign();
    LC_RETURN_IF_ERROR(RequireName(campaign.name(), "campaign"));
    const auto now = ToTimestamp(clock_.Now());
    campaign.set_id(NewId());
    *campaign.mutable_created_at() = now;
    *campaign.mutable_modified_at() = now;
    LC_RETURN_IF_ERROR(tx.CreateCampaign(campaign));
    *response = std::move(campaign);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetCampaign(
    grpc::ServerContext* context, const v1::GetCampaignRequest* request,
    v1::Campaign* response) {
  return Read(context, "GetCampaign", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->id(), "campaign"));
    LC_ASSIGN_OR_RETURN(*response, tx.GetCampaign(request->id()));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListCampaigns(
    grpc::ServerContext* context, const v1::ListCampaignsRequest* request,
    v1::ListCampaignsResponse* response) {
  return Read(context, "ListCampaigns", [&](Transaction& tx) {
    LC_ASSIGN_OR_RETURN(PageRequest page,
                        MakePage(request->page_size(), request->page_token()));
    LC_ASSIGN_OR_RETURN(auto items, tx.ListCampaigns(page));
    FillPage(std::move(items), response->mutable_campaigns(), response);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListCampaignLogs(
    grpc::ServerContext* context, const v1::ListCampaignLogsRequest* request,
    v1::ListCampaignLogsResponse* response) {
  return Read(context, "ListCampaignLogs", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->campaign_id(), "campaign"));
    LC_RETURN_IF_ERROR(tx.GetCampaign(request->campaign_id()).status());
    LC_ASSIGN_OR_RETURN(PageRequest page,
                        MakePage(request->page_size(), request->page_token()));
    LC_ASSIGN_OR_RETURN(
        auto items, tx.ListCampaignLogEntries(request->campaign_id(), page));
    FillPage(std::move(items), response->mutable_entries(), response);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::CreateContact(
    grpc::ServerContext* context, const v1::CreateContactRequest* request,
    v1::Contact* response) {
  return Write(context, "CreateContact", [&](Transaction& tx) {
    v1::Contact contact = request->contact();
    LC_RETURN_IF_ERROR(CleanContact(&contact));
    const auto now = ToTimestamp(clock_.Now());
    contact.set_id(NewId());
    *contact.mutable_created_at() = now;
    *contact.mutable_modified_at() = now;
    LC_RETURN_IF_ERROR(tx.CreateContact(contact));
    *response = std::move(contact);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetContact(grpc::ServerContext* context,
                                          const v1::GetContactRequest* request,
                                          v1::Contact* response) {
  return Read(context, "GetContact", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->id(), "contact"));
    LC_ASSIGN_OR_RETURN(*response, tx.GetContact(request->id()));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListContacts(
    grpc::ServerContext* context, const v1::ListContactsRequest* request,
    v1::ListContactsResponse* response) {
  return Read(context, "ListContacts", [&](Transaction& tx) {
    LC_ASSIGN_OR_RETURN(PageRequest page,
                        MakePage(request->page_size(), request->page_token()));
    LC_ASSIGN_OR_RETURN(auto items, tx.ListContacts(page));
    FillPage(std::move(items), response->mutable_contacts(), response);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListLeads(grpc::ServerContext* context,
                                         const v1::ListLeadsRequest* request,
                                         v1::ListLeadsResponse* response) {
  return Read(context, "ListLeads", [&](Transaction& tx) {
    LC_ASSIGN_OR_RETURN(PageRequest page,
                        MakePage(request->page_size(), request->page_token()));
    LC_ASSIGN_OR_RETURN(auto items,
                        tx.ListLeads(request->entry_point_id(), page));
    FillPage(std::move(items), response->mutable_leads(), response);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetLead(grpc::ServerContext* context,
                                       const v1::GetLeadRequest* request,
                                       v1::Lead* response) {
  return Read(context, "GetLead", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->id(), "lead"));
    LC_ASSIGN_OR_RETURN(*response, tx.GetLead(request->id()));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListCaptureLogs(
    grpc::ServerContext* context, const v1::ListCaptureLogsRequest* request,
    v1::ListCaptureLogsResponse* response) {
  return Read(context, "ListCaptureLogs", [&](Transaction& tx) {
    LC_ASSIGN_OR_RETURN(PageRequest page,
                        MakePage(request->page_size(), request->page_token()));
    LC_ASSIGN_OR_RETURN(auto items,
                        tx.ListCaptureLogs(request->entry_point_id(), page));
    FillPage(std::move(items), response->mutable_capture_logs(), response);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::CreateEmailTemplate(
    grpc::ServerContext* context, const v1::CreateEmailTemplateRequest* request,
    v1::EmailTemplate* response) {
  return Write(context, "CreateEmailTemplate", [&](Transaction& tx) {
    v1::EmailTemplate email_template = request->email_template();
    LC_RETURN_IF_ERROR(CheckEmailTemplate(email_template));
    const auto now = ToTimestamp(clock_.Now());
    email_template.set_id(NewId());
    *email_template.mutable_created_at() = now;
    *email_template.mutable_modified_at() = now;
    LC_RETURN_IF_ERROR(tx.CreateEmailTemplate(email_template));
    *response = std::move(email_template);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetEmailTemplate(
    grpc::ServerContext* context, const v1::GetEmailTemplateRequest* request,
    v1::EmailTemplate* response) {
  return Read(context, "GetEmailTemplate", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->id(), "template"));
    LC_ASSIGN_OR_RETURN(*response, tx.GetEmailTemplate(request->id()));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListEmailTemplates(
    grpc::ServerContext* context, const v1::ListEmailTemplatesRequest* request,
    v1::ListEmailTemplatesResponse* response) {
  return Read(context, "ListEmailTemplates", [&](Transaction& tx) {
    LC_ASSIGN_OR_RETURN(PageRequest page,
                        MakePage(request->page_size(), request->page_token()));
    LC_ASSIGN_OR_RETURN(auto items, tx.ListEmailTemplates(page));
    FillPage(std::move(items), response->mutable_email_templates(), response);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::UpdateEmailTemplate(
    grpc::ServerContext* context, const v1::UpdateEmailTemplateRequest* request,
    v1::EmailTemplate* response) {
  return Write(context, "UpdateEmailTemplate", [&](Transaction& tx) {
    const v1::EmailTemplate& changes = request->email_template();
    LC_RETURN_IF_ERROR(RequireId(changes.id(), "template"));
    const auto& mask = request->update_mask();
    if (mask.paths().empty()) {
      return absl::InvalidArgumentError("update_mask names no field");
    }
    for (const std::string& path : mask.paths()) {
      if (path != "name" && path != "subject" && path != "body" &&
          path != "is_html") {
        return absl::InvalidArgumentError(absl::StrCat(
            "update_mask: \"", path, "\" is not a field that can be changed"));
      }
    }
    LC_ASSIGN_OR_RETURN(v1::EmailTemplate email_template,
                        tx.GetEmailTemplate(changes.id()));
    google::protobuf::util::FieldMaskUtil::MergeMessageTo(
        changes, mask, google::protobuf::util::FieldMaskUtil::MergeOptions(),
        &email_template);
    LC_RETURN_IF_ERROR(CheckEmailTemplate(email_template));
    *email_template.mutable_modified_at() = ToTimestamp(clock_.Now());
    LC_RETURN_IF_ERROR(tx.UpdateEmailTemplate(email_template));
    *response = std::move(email_template);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::DeleteEmailTemplate(
    grpc::ServerContext* context, const v1::DeleteEmailTemplateRequest* request,
    google::protobuf::Empty*) {
  return Write(context, "DeleteEmailTemplate", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->id(), "template"));
    return tx.DeleteEmailTemplate(request->id());
  });
}

grpc::Status AdminServiceImpl::ListOptInRequests(
    grpc::ServerContext* context, const v1::ListOptInRequestsRequest* request,
    v1::ListOptInRequestsResponse* response) {
  return Read(context, "ListOptInRequests", [&](Transaction& tx) {
    LC_ASSIGN_OR_RETURN(PageRequest page,
                        MakePage(request->page_size(), request->page_token()));
    LC_ASSIGN_OR_RETURN(auto items,
                        tx.ListOptInRequests(request->entry_point_id(), page));
    const absl::Time now = clock_.Now();
    for (auto& item : items.items) item.set_state(StateOf(item, now));
    FillPage(std::move(items), response->mutable_opt_in_requests(), response);
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::GetOptInRequest(
    grpc::ServerContext* context, const v1::GetOptInRequestRequest* request,
    v1::OptInRequest* response) {
  return Read(context, "GetOptInRequest", [&](Transaction& tx) {
    LC_RETURN_IF_ERROR(RequireId(request->id(), "opt-in request"));
    LC_ASSIGN_OR_RETURN(*response, tx.GetOptInRequest(request->id()));
    response->set_state(StateOf(*response, clock_.Now()));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListOutboxMessages(
    grpc::ServerContext* context, const v1::ListOutboxMessagesRequest* request,
    v1::ListOutboxMessagesResponse* response) {
  return Read(context, "ListOutboxMessages", [&](Transaction& tx) {
    LC_ASSIGN_OR_RETURN(PageRequest page,
                        MakePage(request->page_size(), request->page_token()));
    LC_ASSIGN_OR_RETURN(auto items, tx.ListOutboxMessages(page));
    FillPage(std::move(items), response->mutable_messages(), response);
    return absl::OkStatus();
  });
}

}  // namespace leadcapture
