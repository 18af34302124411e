#include "services/capture.h"

#include <string>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/time_util.h"
#include "services/util/random.h"
#include "services/util/status_macros.h"

namespace leadcapture {
namespace {

using storage::MemberType;

constexpr absl::string_view kLeadCreated = "Lead Created";
constexpr absl::string_view kOptedIn = "Opted In";

absl::Status NoActiveEntryPoint() {
  // The same words for unknown and inactive keys, and never the key itself.
  return absl::NotFoundError("unknown or inactive API key");
}

// Finds the active entry point with this key.
absl::StatusOr<v1::EntryPoint> ActiveEntryPoint(storage::Transaction& tx,
                                                absl::string_view api_key) {
  if (api_key.empty()) return NoActiveEntryPoint();
  LC_ASSIGN_OR_RETURN(auto entry_point, tx.FindEntryPointByApiKey(api_key));
  if (!entry_point.has_value() || !entry_point->is_active()) {
    return NoActiveEntryPoint();
  }
  return *std::move(entry_point);
}

// The identities a payload can be matched by: its e-mail key and phone.
struct Identity {
  std::string email_key;
  std::string phone;
};

Identity IdentityOf(const CleanPayload& payload) {
  Identity identity;
  if (const std::string* email = payload.Find("emailAddress")) {
    identity.email_key = storage::EmailKey(*email);
  }
  if (const std::string* phone = payload.Find("phoneNumber")) {
    identity.phone = *phone;
  }
  return identity;
}

// Looks a record up by e-mail key first, then by phone.
template <typename T, typename ByEmail, typename ByPhone>
absl::StatusOr<std::optional<T>> FindByIdentity(const Identity& identity,
                                                ByEmail by_email,
                                                ByPhone by_phone) {
  if (!identity.email_key.empty()) {
    LC_ASSIGN_OR_RETURN(std::optional<T> found, by_email(identity.email_key));
    if (found.has_value()) return found;
  }
  if (!identity.phone.empty()) return by_phone(identity.phone);
  return std::optional<T>();
}

}  // namespace

std::string CleanClientIp(absl::string_view ip) {
  // The gRPC route is public: take only what can be an IPv4 or IPv6
  // address, and nothing at all otherwise.
  if (ip.size() > kMaxClientIpBytes) return "";
  for (char c : ip) {
    if (!absl::ascii_isxdigit(c) && c != '.' && c != ':') return "";
  }
  return std::string(ip);
}

std::string CleanUserAgent(absl::string_view user_agent) {
  if (user_agent.size() <= kMaxUserAgentBytes) return std::string(user_agent);
  // Cut at a character boundary so the text stays valid UTF-8.
  std::size_t end = kMaxUserAgentBytes;
  while (end > 0 &&
         (static_cast<unsigned char>(user_agent[end]) & 0xc0) == 0x80) {
    --end;
  }
  return std::string(user_agent.substr(0, end));
}

bool SubscribesToTargetList(const v1::EntryPoint& entry_point) {
  return !entry_point.target_list_id().empty() &&
         entry_point.subscribe_to_target_list();
}

absl::StatusOr<v1::CaptureLog> CaptureProcessor::Capture(
    const v1::CaptureRequest& request) {
  LC_ASSIGN_OR_RETURN(auto tx,
                      store_.Begin(storage::TransactionMode::kReadWrite));
  LC_ASSIGN_OR_RETURN(v1::EntryPoint entry_point,
                      ActiveEntryPoint(*tx, request.api_key()));
  LC_ASSIGN_OR_RETURN(CleanPayload payload,
                      CleanAndValidate(entry_point, request.payload()));

  if (entry_point.opt_in()) {
    if (opt_in_step_ == nullptr) {
      return absl::FailedPreconditionError(
          "double opt-in is not available on this server");
    }
    LC_ASSIGN_OR_RETURN(
        v1::CaptureLog log,
        opt_in_step_->Request(*tx, entry_point, payload, request.client()));
    LC_RETURN_IF_ERROR(tx->Commit());
    opt_in_step_->Committed();
    return log;
  }
  LC_ASSIGN_OR_RETURN(v1::CaptureLog log,
                      Apply(*tx, entry_point, payload, request.client()));
  LC_RETURN_IF_ERROR(tx->Commit());
  return log;
}

absl::StatusOr<v1::Policy> CaptureProcessor::GetPolicy(
    absl::string_view api_key) {
  LC_ASSIGN_OR_RETURN(auto tx,
                      store_.Begin(storage::TransactionMode::kReadOnly));
  LC_ASSIGN_OR_RETURN(v1::EntryPoint entry_point,
                      ActiveEntryPoint(*tx, api_key));
  v1::Policy policy;
  *policy.mutable_allowed_origins() = entry_point.allowed_origins();
  return policy;
}

absl::Status CaptureProcessor::LockIdentities(storage::Transaction& tx,
                                              const CleanPayload& payload) {
  // Where the store does not serialise writers, two captures of one person
  // must not both miss each other's lead.
  const Identity identity = IdentityOf(payload);
  if (!identity.email_key.empty()) {
    LC_RETURN_IF_ERROR(tx.LockIdentity(identity.email_key));
  }
  if (!identity.phone.empty()) {
    LC_RETURN_IF_ERROR(tx.LockIdentity(identity.phone));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::CaptureLog> CaptureProcessor::Apply(
    storage::Transaction& tx, const v1::EntryPoint& entry_point,
    const CleanPayload& payload, const v1::ClientContext& client,
    absl::string_view known_lead_id) {
  const absl::Time now = clock_.Now();
  LC_RETURN_IF_ERROR(LockIdentities(tx, payload));

  v1::CaptureLog log;
  log.set_id(NewId());
  log.set_entry_point_id(entry_point.id());
  log.set_payload(payload.ToJson());
  log.set_client_ip(CleanClientIp(client.ip()));
  log.set_user_agent(CleanUserAgent(client.user_agent()));
  *log.mutable_created_at() = ToTimestamp(now);

  // An existing contact is subscribed as it is; no lead is made.
  std::optional<v1::Contact> contact;
  if (known_lead_id.empty()) {
    LC_ASSIGN_OR_RETURN(contact, MatchContact(tx, entry_point, payload));
  }
  if (contact.has_value()) {
    LC_ASSIGN_OR_RETURN(
        bool subscribed,
        Subscribe(tx, entry_point, MemberType::kContact, contact->id(), now));
    log.set_target_type("contact");
    log.set_target_id(contact->id());
    log.set_outcome(subscribed ? v1::CONTACT_SUBSCRIBED
                               : v1::ALREADY_SUBSCRIBED);
    LC_RETURN_IF_ERROR(tx.AddCaptureLog(log));
    return log;
  }

  std::optional<v1::Lead> lead;
  if (!known_lead_id.empty()) {
    LC_ASSIGN_OR_RETURN(lead, tx.GetLead(known_lead_id));
  } else {
    LC_ASSIGN_OR_RETURN(lead, MatchLead(tx, entry_point, payload));
  }
  if (lead.has_value()) {
    // The payload never overwrites a known lead; only the team is added.
    const std::string& team = entry_point.target_team_id();
    if (!team.empty() && !absl::c_linear_search(lead->team_ids(), team)) {
      lead->add_team_ids(team);
      *lead->mutable_modified_at() = ToTimestamp(now);
      LC_RETURN_IF_ERROR(tx.UpdateLead(*lead));
      log.set_description("target team added to the existing lead");
    }
    log.set_outcome(v1::DUPLICATE_LEAD);
  } else {
    LC_ASSIGN_OR_RETURN(lead, CreateLead(tx, entry_point, payload, now));
    log.set_is_created(true);
    log.set_outcome(v1::CREATED);
  }

  if (SubscribesToTargetList(entry_point)) {
    LC_ASSIGN_OR_RETURN(
        bool subscribed,
        Subscribe(tx, entry_point, MemberType::kLead, lead->id(), now));
    (void)subscribed;
  }
  log.set_target_type("lead");
  log.set_target_id(lead->id());
  LC_RETURN_IF_ERROR(tx.AddCaptureLog(log));
  return log;
}

absl::StatusOr<v1::Lead> CaptureProcessor::CreateLead(
    storage::Transaction& tx, const v1::EntryPoint& entry_point,
    const CleanPayload& payload, absl::Time now) {
  v1::Lead lead;
  lead.set_id(NewId());
  payload.ApplyTo(&lead);
  lead.set_status(v1::NEW);
  lead.set_source(entry_point.lead_source());
  lead.set_campaign_id(entry_point.campaign_id());
  if (!entry_point.target_team_id().empty()) {
    lead.add_team_ids(entry_point.target_team_id());
  }
  lead.set_entry_point_id(entry_point.id());
  *lead.mutable_created_at() = ToTimestamp(now);
  *lead.mutable_modified_at() = ToTimestamp(now);
  LC_RETURN_IF_ERROR(tx.CreateLead(lead));
  LC_RETURN_IF_ERROR(LogCampaign(tx, entry_point, kLeadCreated,
                                 MemberType::kLead, lead.id(), "", now));
  return lead;
}

absl::StatusOr<std::optional<v1::Contact>> CaptureProcessor::MatchContact(
    storage::Transaction& tx, const v1::EntryPoint& entry_point,
    const CleanPayload& payload) {
  // Contacts are only looked at when there is a list to put them on.
  if (!SubscribesToTargetList(entry_point) ||
      !entry_point.subscribe_contact_if_exists()) {
    return std::optional<v1::Contact>();
  }
  return FindByIdentity<v1::Contact>(
      IdentityOf(payload),
      [&tx](absl::string_view key) { return tx.FindContactByEmailKey(key); },
      [&tx](absl::string_view phone) { return tx.FindContactByPhone(phone); });
}

absl::StatusOr<std::optional<v1::Lead>> CaptureProcessor::MatchLead(
    storage::Transaction& tx, const v1::EntryPoint& entry_point,
    const CleanPayload& payload) {
  if (!entry_point.duplicate_check()) return std::optional<v1::Lead>();
  return FindByIdentity<v1::Lead>(
      IdentityOf(payload),
      [&tx](absl::string_view key) { return tx.FindLeadByEmailKey(key); },
      [&tx](absl::string_view phone) { return tx.FindLeadByPhone(phone); });
}

absl::StatusOr<bool> CaptureProcessor::Subscribe(
    storage::Transaction& tx, const v1::EntryPoint& entry_point,
    MemberType type, absl::string_view member_id, absl::Time now) {
  const std::string& list = entry_point.target_list_id();
  LC_ASSIGN_OR_RETURN(std::optional<storage::Membership> membership,
                      tx.GetMembership(list, type, member_id));
  // A new submission is new consent: it clears an earlier opt-out.
  if (membership.has_value() && !membership->opted_out) return false;
  LC_RETURN_IF_ERROR(
      tx.PutMembership(list, type, member_id, /*opted_out=*/false, now));
  LC_RETURN_IF_ERROR(
      LogCampaign(tx, entry_point, kOptedIn, type, member_id, list, now));
  return true;
}

absl::Status CaptureProcessor::LogCampaign(
    storage::Transaction& tx, const v1::EntryPoint& entry_point,
    absl::string_view action, MemberType type, absl::string_view member_id,
    absl::string_view data, absl::Time now) {
  if (entry_point.campaign_id().empty()) return absl::OkStatus();
  v1::CampaignLogEntry entry;
  entry.set_id(NewId());
  entry.set_campaign_id(entry_point.campaign_id());
  entry.set_action(std::string(action));
  entry.set_parent_type(std::string(storage::MemberTypeName(type)));
  entry.set_parent_id(std::string(member_id));
  entry.set_data(std::string(data));
  *entry.mutable_created_at() = ToTimestamp(now);
  return tx.AddCampaignLogEntry(entry);
}

}  // namespace leadcapture
