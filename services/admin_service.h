// AdminService over gRPC: everything an administrator does (SPEC section 8).
#ifndef LEADCAPTURE_SERVICES_ADMIN_SERVICE_H_
#define LEADCAPTURE_SERVICES_ADMIN_SERVICE_H_

#include <functional>
#include <string>

#include "leadcapture/v1/admin_service.grpc.pb.h"
#include "services/admin_auth.h"
#include "services/util/clock.h"
#include "storage/store.h"

namespace leadcapture {

// Thread-safe. `store`, `clock` and `auth` must outlive it. `public_url` is
// the gateway's public base URL, used in example requests.
class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  AdminServiceImpl(storage::Store& store, Clock& clock, const AdminAuth& auth,
                   std::string public_url)
      : store_(store),
        clock_(clock),
        auth_(auth),
        public_url_(std::move(public_url)) {}

  grpc::Status CreateEntryPoint(grpc::ServerContext* context,
                                const v1::CreateEntryPointRequest* request,
                                v1::EntryPoint* response) override;
  grpc::Status GetEntryPoint(grpc::ServerContext* context,
                             const v1::GetEntryPointRequest* request,
                             v1::EntryPoint* response) override;
  grpc::Status ListEntryPoints(grpc::ServerContext* context,
                               const v1::ListEntryPointsRequest* request,
                               v1::ListEntryPointsResponse* response) override;
  grpc::Status UpdateEntryPoint(grpc::ServerContext* context,
                                const v1::UpdateEntryPointRequest* request,
                                v1::EntryPoint* response) override;
  grpc::Status DeleteEntryPoint(grpc::ServerContext* context,
                                const v1::DeleteEntryPointRequest* request,
                                google::protobuf::Empty* response) override;
  grpc::Status RotateEntryPointApiKey(
      grpc::ServerContext* context,
      const v1::RotateEntryPointApiKeyRequest* request,
      v1::EntryPoint* response) override;
  grpc::Status GetEntryPointExample(
      grpc::ServerContext* context,
      const v1::GetEntryPointExampleRequest* request,
      v1::EntryPointExample* response) override;

  grpc::Status CreateTargetList(grpc::ServerContext* context,
                                const v1::CreateTargetListRequest* request,
                                v1::TargetList* response) override;
  grpc::Status GetTargetList(grpc::ServerContext* context,
                             const v1::GetTargetListRequest* request,
                             v1::TargetList* response) override;
  grpc::Status ListTargetLists(grpc::ServerContext* context,
                               const v1::ListTargetListsRequest* request,
                               v1::ListTargetListsResponse* response) override;
  grpc::Status DeleteTargetList(grpc::ServerContext* context,
                                const v1::DeleteTargetListRequest* request,
                                google::protobuf::Empty* response) override;
  grpc::Status ListTargetListMembers(
      grpc::ServerContext* context,
      const v1::ListTargetListMembersRequest* request,
      v1::ListTargetListMembersResponse* response) override;
  grpc::Status AddTargetListMember(
      grpc::ServerContext* context,
      const v1::AddTargetListMemberRequest* request,
      v1::TargetListMember* response) override;
  grpc::Status UpdateTargetListMember(
      grpc::ServerContext* context,
      const v1::UpdateTargetListMemberRequest* request,
      v1::TargetListMember* response) override;
  grpc::Status RemoveTargetListMember(
      grpc::ServerContext* context,
      const v1::RemoveTargetListMemberRequest* request,
      google::protobuf::Empty* response) override;

  grpc::Status CreateTeam(grpc::ServerContext* context,
                          const v1::CreateTeamRequest* request,
                          v1::Team* response) override;
  grpc::Status GetTeam(grpc::ServerContext* context,
                       const v1::GetTeamRequest* request,
                       v1::Team* response) override;
  grpc::Status ListTeams(grpc::ServerContext* context,
                         const v1::ListTeamsRequest* request,
                         v1::ListTeamsResponse* response) override;

  grpc::Status CreateCampaign(grpc::ServerContext* context,
                              const v1::CreateCampaignRequest* request,
                              v1::Campaign* response) override;
  grpc::Status GetCampaign(grpc::ServerContext* context,
                           const v1::GetCampaignRequest* request,
                           v1::Campaign* response) override;
  grpc::Status ListCampaigns(grpc::ServerContext* context,
                             const v1::ListCampaignsRequest* request,
                             v1::ListCampaignsResponse* response) override;
  grpc::Status ListCampaignLogs(
      grpc::ServerContext* context, const v1::ListCampaignLogsRequest* request,
      v1::ListCampaignLogsResponse* response) override;

  grpc::Status CreateContact(grpc::ServerContext* context,
                             const v1::CreateContactRequest* request,
                             v1::Contact* response) override;
  grpc::Status GetContact(grpc::ServerContext* context,
                          const v1::GetContactRequest* request,
                          v1::Contact* response) override;
  grpc::Status ListContacts(grpc::ServerContext* context,
                            const v1::ListContactsRequest* request,
                            v1::ListContactsResponse* response) override;

  grpc::Status ListLeads(grpc::ServerContext* context,
                         const v1::ListLeadsRequest* request,
                         v1::ListLeadsResponse* response) override;
  grpc::Status GetLead(grpc::ServerContext* context,
                       const v1::GetLeadRequest* request,
                       v1::Lead* response) override;

  grpc::Status ListCaptureLogs(grpc::ServerContext* context,
                               const v1::ListCaptureLogsRequest* request,
                               v1::ListCaptureLogsResponse* response) override;

  grpc::Status CreateEmailTemplate(
      grpc::ServerContext* context,
      const v1::CreateEmailTemplateRequest* request,
      v1::EmailTemplate* response) override;
  grpc::Status GetEmailTemplate(grpc::ServerContext* context,
                                const v1::GetEmailTemplateRequest* request,
                                v1::EmailTemplate* response) override;
  grpc::Status ListEmailTemplates(
      grpc::ServerContext* context,
      const v1::ListEmailTemplatesRequest* request,
      v1::ListEmailTemplatesResponse* response) override;
  grpc::Status UpdateEmailTemplate(
      grpc::ServerContext* context,
      const v1::UpdateEmailTemplateRequest* request,
      v1::EmailTemplate* response) override;
  grpc::Status DeleteEmailTemplate(
      grpc::ServerContext* context,
      const v1::DeleteEmailTemplateRequest* request,
      google::protobuf::Empty* response) override;

  grpc::Status ListOptInRequests(
      grpc::ServerContext* context, const v1::ListOptInRequestsRequest* request,
      v1::ListOptInRequestsResponse* response) override;
  grpc::Status GetOptInRequest(grpc::ServerContext* context,
                               const v1::GetOptInRequestRequest* request,
                               v1::OptInRequest* response) override;

  grpc::Status ListOutboxMessages(
      grpc::ServerContext* context,
      const v1::ListOutboxMessagesRequest* request,
      v1::ListOutboxMessagesResponse* response) override;

 private:
  using Work = std::function<absl::Status(storage::Transaction&)>;

  // Checks the credential, runs `work` in a transaction of `mode` (and
  // commits it when it is read-write and `work` succeeded), and maps the
  // result to a gRPC status.
  grpc::Status Run(grpc::ServerContext* context, absl::string_view method,
                   storage::TransactionMode mode, const Work& work);
  grpc::Status Read(grpc::ServerContext* context, absl::string_view method,
                    const Work& work) {
    return Run(context, method, storage::TransactionMode::kReadOnly, work);
  }
  grpc::Status Write(grpc::ServerContext* context, absl::string_view method,
                     const Work& work) {
    return Run(context, method, storage::TransactionMode::kReadWrite, work);
  }

  // The member as the API shows it, with e-mail address and name.
  absl::StatusOr<v1::TargetListMember> DescribeMember(
      storage::Transaction& tx, absl::string_view target_list_id,
      storage::MemberType type, absl::string_view member_id);

  storage::Store& store_;
  Clock& clock_;
  const AdminAuth& auth_;
  const std::string public_url_;
};

}  // namespace leadcapture

#endif  // LEADCAPTURE_SERVICES_ADMIN_SERVICE_H_
