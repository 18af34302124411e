#include "storage/record_columns.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "services/util/status_macros.h"

namespace leadcapture::storage {
namespace {

using ::google::protobuf::Timestamp;

RecordSql MakeRecordSql(absl::string_view table,
                        absl::Span<const absl::string_view> fields,
                        absl::Span<const absl::string_view> insert_only = {}) {
  RecordSql sql;
  std::string field_list = absl::StrJoin(fields, ", ");
  sql.columns = absl::StrCat("seq, id, ", field_list);
  std::string insert_list = field_list;
  for (absl::string_view column : insert_only) {
    absl::StrAppend(&insert_list, ", ", column);
  }
  std::vector<std::string> placeholders(fields.size() + insert_only.size() + 1,
                                        "?");
  sql.insert =
      absl::StrCat("INSERT INTO ", table, " (id, ", insert_list, ") VALUES (",
                   absl::StrJoin(placeholders, ", "), ")");
  sql.update =
      absl::StrCat("UPDATE ", table, " SET ", absl::StrJoin(fields, " = ?, "),
                   " = ? WHERE id = ?");
  sql.select = absl::StrCat("SELECT ", sql.columns, " FROM ", table, " ");
  return sql;
}

// The columns of each record table after seq and id, in the order the
// Bind* and Read* functions below use.
constexpr absl::string_view kEntryPointFields[] = {
    "name",
    "is_active",
    "api_key",
    "payload_fields",
    "required_fields",
    "target_list_id",
    "subscribe_to_target_list",
    "subscribe_contact_if_exists",
    "target_team_id",
    "campaign_id",
    "lead_source",
    "duplicate_check",
    "phone_country",
    "allowed_origins",
    "created_at",
    "modified_at",
    "opt_in",
    "opt_in_template_id",
    "opt_in_lifetime_hours",
    "opt_in_success_message",
    "opt_in_success_redirect_url",
    "create_lead_before_confirmation",
    "skip_confirmation_if_subscribed",
    "opt_in_confirm_with_button",
    "mail_from"};
constexpr absl::string_view kTargetListFields[] = {"name", "description",
                                                   "created_at", "modified_at"};
constexpr absl::string_view kNamedFields[] = {"name", "created_at",
                                              "modified_at"};
constexpr absl::string_view kCampaignLogEntryFields[] = {
    "campaign_id", "action", "parent_type", "parent_id", "data", "created_at"};
constexpr absl::string_view kContactFields[] = {
    "salutation_name", "first_name",   "last_name",  "email_address",
    "email_key",       "phone_number", "created_at", "modified_at"};
constexpr absl::string_view kLeadFields[] = {"salutation_name",
                                             "first_name",
                                             "middle_name",
                                             "last_name",
                                             "title",
                                             "account_name",
                                             "email_address",
                                             "email_key",
                                             "phone_number",
                                             "website",
                                             "address_street",
                                             "address_city",
                                             "address_state",
                                             "address_country",
                                             "address_postal_code",
                                             "description",
                                             "status",
                                             "source",
                                             "campaign_id",
                                             "assigned_user_id",
                                             "entry_point_id",
                                             "created_at",
                                             "modified_at"};
constexpr absl::string_view kCaptureLogFields[] = {
    "entry_point_id", "target_type", "target_id",  "is_created",  "payload",
    "outcome",        "client_ip",   "user_agent", "description", "created_at"};
constexpr absl::string_view kEmailTemplateFields[] = {
    "name", "subject", "body", "is_html", "created_at", "modified_at"};
// token_hash is written once, at insert.
constexpr absl::string_view kOptInRequestFields[] = {
    "entry_point_id", "email_address", "email_key",  "payload",
    "lead_id",        "created_at",    "expires_at", "confirmed_at",
    "client_ip",      "user_agent",    "confirm_ip", "confirm_user_agent"};
constexpr absl::string_view kOptInRequestInsertOnly[] = {"token_hash"};
// content is read only by claims, and changed only by the Mark* methods.
constexpr absl::string_view kOutboxMessageFields[] = {"kind",
                                                      "recipient",
                                                      "sender",
                                                      "subject",
                                                      "status",
                                                      "attempts",
                                                      "next_attempt_at",
                                                      "last_error",
                                                      "opt_in_request_id",
                                                      "created_at",
                                                      "sent_at"};
constexpr absl::string_view kOutboxMessageInsertOnly[] = {"content"};

}  // namespace

int64_t ToMicros(const Timestamp& time) {
  return time.seconds() * kMicrosPerSecond + time.nanos() / 1000;
}

void FromMicros(int64_t micros, Timestamp* time) {
  int64_t seconds = micros / kMicrosPerSecond;
  int64_t rest = micros % kMicrosPerSecond;
  if (rest < 0) {
    rest += kMicrosPerSecond;
    --seconds;
  }
  time->set_seconds(seconds);
  time->set_nanos(static_cast<int32_t>(rest * 1000));
}

std::optional<bool> OptionalBool(bool has, bool value) {
  if (!has) return std::nullopt;
  return value;
}

// Lists of strings are stored as JSON arrays of strings.
absl::StatusOr<std::string> EncodeList(
    const google::protobuf::RepeatedPtrField<std::string>& items) {
  nlohmann::json array = nlohmann::json::array();
  for (const std::string& item : items) array.push_back(item);
  try {
    return array.dump();
  } catch (const nlohmann::json::exception&) {
    return absl::InvalidArgumentError("a list item is not valid UTF-8");
  }
}

absl::Status DecodeList(absl::string_view text,
                        google::protobuf::RepeatedPtrField<std::string>* out) {
  nlohmann::json array = nlohmann::json::parse(
      text.begin(), text.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (!array.is_array()) {
    return absl::InternalError("a stored list is not a JSON array");
  }
  for (const nlohmann::json& item : array) {
    if (!item.is_string()) {
      return absl::InternalError("a stored list holds a non-string");
    }
    out->Add(item.get<std::string>());
  }
  return absl::OkStatus();
}
const RecordSql& EntryPointSql() {
  static const RecordSql* const sql =
      new RecordSql(MakeRecordSql("entry_points", kEntryPointFields));
  return *sql;
}

const RecordSql& TargetListSql() {
  static const RecordSql* const sql =
      new RecordSql(MakeRecordSql("target_lists", kTargetListFields));
  return *sql;
}

const RecordSql& TeamSql() {
  static const RecordSql* const sql =
      new RecordSql(MakeRecordSql("teams", kNamedFields));
  return *sql;
}

const RecordSql& CampaignSql() {
  static const RecordSql* const sql =
      new RecordSql(MakeRecordSql("campaigns", kNamedFields));
  return *sql;
}

const RecordSql& CampaignLogEntrySql() {
  static const RecordSql* const sql = new RecordSql(
      MakeRecordSql("campaign_log_entries", kCampaignLogEntryFields));
  return *sql;
}

const RecordSql& ContactSql() {
  static const RecordSql* const sql =
      new RecordSql(MakeRecordSql("contacts", kContactFields));
  return *sql;
}

const RecordSql& LeadSql() {
  static const RecordSql* const sql =
      new RecordSql(MakeRecordSql("leads", kLeadFields));
  return *sql;
}

const RecordSql& CaptureLogSql() {
  static const RecordSql* const sql =
      new RecordSql(MakeRecordSql("capture_logs", kCaptureLogFields));
  return *sql;
}

const RecordSql& EmailTemplateSql() {
  static const RecordSql* const sql =
      new RecordSql(MakeRecordSql("email_templates", kEmailTemplateFields));
  return *sql;
}

const RecordSql& OptInRequestSql() {
  static const RecordSql* const sql = new RecordSql(MakeRecordSql(
      "opt_in_requests", kOptInRequestFields, kOptInRequestInsertOnly));
  return *sql;
}

const RecordSql& OutboxMessageSql() {
  static const RecordSql* const sql = new RecordSql(MakeRecordSql(
      "outbox_messages", kOutboxMessageFields, kOutboxMessageInsertOnly));
  return *sql;
}

const Timestamp* TimeOrNull(bool has, const Timestamp& time) {
  return has ? &time : nullptr;
}

// Page tokens are the seq of the last row of the previous page, in decimal.
absl::StatusOr<int64_t> ParsePageToken(absl::string_view token) {
  if (token.empty()) return 0;
  int64_t seq = 0;
  if (!absl::SimpleAtoi(token, &seq) || seq < 0 ||
      !absl::ascii_isdigit(static_cast<unsigned char>(token.front()))) {
    return absl::InvalidArgumentError("malformed page token");
  }
  return seq;
}

int64_t ClampPageSize(int32_t page_size) {
  return std::clamp<int64_t>(page_size, 1, 1000);
}

// Binds the fields of `e` in EntryPointSql() order (id excluded).
absl::Status BindEntryPoint(const v1::EntryPoint& e, ColumnBinder& p) {
  LC_ASSIGN_OR_RETURN(std::string payload_fields,
                      EncodeList(e.payload_fields()));
  LC_ASSIGN_OR_RETURN(std::string required_fields,
                      EncodeList(e.required_fields()));
  LC_ASSIGN_OR_RETURN(std::string allowed_origins,
                      EncodeList(e.allowed_origins()));
  p.Text(e.name())
      .OptBool(OptionalBool(e.has_is_active(), e.is_active()))
      .Text(e.api_key())
      .Text(payload_fields)
      .Text(required_fields)
      .TextOrNull(e.target_list_id())
      .OptBool(OptionalBool(e.has_subscribe_to_target_list(),
                            e.subscribe_to_target_list()))
      .OptBool(OptionalBool(e.has_subscribe_contact_if_exists(),
                            e.subscribe_contact_if_exists()))
      .Text(e.target_team_id())
      .Text(e.campaign_id())
      .Text(e.lead_source())
      .OptBool(OptionalBool(e.has_duplicate_check(), e.duplicate_check()))
      .Text(e.phone_country())
      .Text(allowed_origins)
      .Time(TimeOrNull(e.has_created_at(), e.created_at()))
      .Time(TimeOrNull(e.has_modified_at(), e.modified_at()))
      .Bool(e.opt_in())
      .TextOrNull(e.opt_in_template_id())
      .Int(e.opt_in_lifetime_hours())
      .Text(e.opt_in_success_message())
      .Text(e.opt_in_success_redirect_url())
      .Bool(e.create_lead_before_confirmation())
      .Bool(e.skip_confirmation_if_subscribed())
      .Bool(e.opt_in_confirm_with_button())
      .Text(e.mail_from());
  return absl::OkStatus();
}

// Reads a row of EntryPointSql().columns.
absl::StatusOr<v1::EntryPoint> ReadEntryPoint(ColumnReader& r) {
  v1::EntryPoint e;
  r.Skip();  // seq
  e.set_id(r.ReadText());
  e.set_name(r.ReadText());
  if (auto v = r.ReadOptBool()) e.set_is_active(*v);
  e.set_api_key(r.ReadText());
  LC_RETURN_IF_ERROR(DecodeList(r.ReadText(), e.mutable_payload_fields()));
  LC_RETURN_IF_ERROR(DecodeList(r.ReadText(), e.mutable_required_fields()));
  e.set_target_list_id(r.ReadText());
  if (auto v = r.ReadOptBool()) e.set_subscribe_to_target_list(*v);
  if (auto v = r.ReadOptBool()) e.set_subscribe_contact_if_exists(*v);
  e.set_target_team_id(r.ReadText());
  e.set_campaign_id(r.ReadText());
  e.set_lead_source(r.ReadText());
  if (auto v = r.ReadOptBool()) e.set_duplicate_check(*v);
  e.set_phone_country(r.ReadText());
  LC_RETURN_IF_ERROR(DecodeList(r.ReadText(), e.mutable_allowed_origins()));
  r.ReadTime([&] { return e.mutable_created_at(); });
  r.ReadTime([&] { return e.mutable_modified_at(); });
  e.set_opt_in(r.ReadBool());
  e.set_opt_in_template_id(r.ReadText());
  e.set_opt_in_lifetime_hours(static_cast<int32_t>(r.ReadInt()));
  e.set_opt_in_success_message(r.ReadText());
  e.set_opt_in_success_redirect_url(r.ReadText());
  e.set_create_lead_before_confirmation(r.ReadBool());
  e.set_skip_confirmation_if_subscribed(r.ReadBool());
  e.set_opt_in_confirm_with_button(r.ReadBool());
  e.set_mail_from(r.ReadText());
  return e;
}

absl::StatusOr<v1::TargetList> ReadTargetList(ColumnReader& r) {
  v1::TargetList t;
  r.Skip();
  t.set_id(r.ReadText());
  t.set_name(r.ReadText());
  t.set_description(r.ReadText());
  r.ReadTime([&] { return t.mutable_created_at(); });
  r.ReadTime([&] { return t.mutable_modified_at(); });
  return t;
}

absl::StatusOr<v1::CampaignLogEntry> ReadCampaignLogEntry(ColumnReader& r) {
  v1::CampaignLogEntry c;
  r.Skip();
  c.set_id(r.ReadText());
  c.set_campaign_id(r.ReadText());
  c.set_action(r.ReadText());
  c.set_parent_type(r.ReadText());
  c.set_parent_id(r.ReadText());
  c.set_data(r.ReadText());
  r.ReadTime([&] { return c.mutable_created_at(); });
  return c;
}

absl::StatusOr<v1::Contact> ReadContact(ColumnReader& r) {
  v1::Contact c;
  r.Skip();
  c.set_id(r.ReadText());
  c.set_salutation_name(r.ReadText());
  c.set_first_name(r.ReadText());
  c.set_last_name(r.ReadText());
  c.set_email_address(r.ReadText());
  r.Skip();  // email_key
  c.set_phone_number(r.ReadText());
  r.ReadTime([&] { return c.mutable_created_at(); });
  r.ReadTime([&] { return c.mutable_modified_at(); });
  return c;
}

// Binds the fields of `l` in LeadSql() order (id excluded).
void BindLead(const v1::Lead& l, ColumnBinder& p) {
  p.Text(l.salutation_name())
      .Text(l.first_name())
      .Text(l.middle_name())
      .Text(l.last_name())
      .Text(l.title())
      .Text(l.account_name())
      .Text(l.email_address())
      .Text(EmailKey(l.email_address()))
      .Text(l.phone_number())
      .Text(l.website())
      .Text(l.address_street())
      .Text(l.address_city())
      .Text(l.address_state())
      .Text(l.address_country())
      .Text(l.address_postal_code())
      .Text(l.description())
      .Int(l.status())
      .Text(l.source())
      .Text(l.campaign_id())
      .Text(l.assigned_user_id())
      .Text(l.entry_point_id())
      .Time(TimeOrNull(l.has_created_at(), l.created_at()))
      .Time(TimeOrNull(l.has_modified_at(), l.modified_at()));
}

// Reads a row of LeadSql().columns; team ids are read separately.
absl::StatusOr<v1::Lead> ReadLead(ColumnReader& r) {
  v1::Lead l;
  r.Skip();
  l.set_id(r.ReadText());
  l.set_salutation_name(r.ReadText());
  l.set_first_name(r.ReadText());
  l.set_middle_name(r.ReadText());
  l.set_last_name(r.ReadText());
  l.set_title(r.ReadText());
  l.set_account_name(r.ReadText());
  l.set_email_address(r.ReadText());
  r.Skip();  // email_key
  l.set_phone_number(r.ReadText());
  l.set_website(r.ReadText());
  l.set_address_street(r.ReadText());
  l.set_address_city(r.ReadText());
  l.set_address_state(r.ReadText());
  l.set_address_country(r.ReadText());
  l.set_address_postal_code(r.ReadText());
  l.set_description(r.ReadText());
  l.set_status(static_cast<v1::LeadStatus>(r.ReadInt()));
  l.set_source(r.ReadText());
  l.set_campaign_id(r.ReadText());
  l.set_assigned_user_id(r.ReadText());
  l.set_entry_point_id(r.ReadText());
  r.ReadTime([&] { return l.mutable_created_at(); });
  r.ReadTime([&] { return l.mutable_modified_at(); });
  return l;
}

absl::StatusOr<v1::CaptureLog> ReadCaptureLog(ColumnReader& r) {
  v1::CaptureLog c;
  r.Skip();
  c.set_id(r.ReadText());
  c.set_entry_point_id(r.ReadText());
  c.set_target_type(r.ReadText());
  c.set_target_id(r.ReadText());
  c.set_is_created(r.ReadBool());
  c.set_payload(r.ReadText());
  c.set_outcome(static_cast<v1::CaptureOutcome>(r.ReadInt()));
  c.set_client_ip(r.ReadText());
  c.set_user_agent(r.ReadText());
  c.set_description(r.ReadText());
  r.ReadTime([&] { return c.mutable_created_at(); });
  return c;
}

// Binds the fields of `t` in EmailTemplateSql() order (id excluded).
void BindEmailTemplate(const v1::EmailTemplate& t, ColumnBinder& p) {
  p.Text(t.name())
      .Text(t.subject())
      .Text(t.body())
      .Bool(t.is_html())
      .Time(TimeOrNull(t.has_created_at(), t.created_at()))
      .Time(TimeOrNull(t.has_modified_at(), t.modified_at()));
}

absl::StatusOr<v1::EmailTemplate> ReadEmailTemplate(ColumnReader& r) {
  v1::EmailTemplate t;
  r.Skip();
  t.set_id(r.ReadText());
  t.set_name(r.ReadText());
  t.set_subject(r.ReadText());
  t.set_body(r.ReadText());
  t.set_is_html(r.ReadBool());
  r.ReadTime([&] { return t.mutable_created_at(); });
  r.ReadTime([&] { return t.mutable_modified_at(); });
  return t;
}

// Binds the fields of `o` in OptInRequestSql() order (id and token_hash
// excluded); `state` is not stored.
void BindOptInRequest(const v1::OptInRequest& o, ColumnBinder& p) {
  p.Text(o.entry_point_id())
      .Text(o.email_address())
      .Text(EmailKey(o.email_address()))
      .Text(o.payload())
      .Text(o.lead_id())
      .Time(TimeOrNull(o.has_created_at(), o.created_at()))
      .Time(TimeOrNull(o.has_expires_at(), o.expires_at()))
      .Time(TimeOrNull(o.has_confirmed_at(), o.confirmed_at()))
      .Text(o.client_ip())
      .Text(o.user_agent())
      .Text(o.confirm_ip())
      .Text(o.confirm_user_agent());
}

absl::StatusOr<v1::OptInRequest> ReadOptInRequest(ColumnReader& r) {
  v1::OptInRequest o;
  r.Skip();
  o.set_id(r.ReadText());
  o.set_entry_point_id(r.ReadText());
  o.set_email_address(r.ReadText());
  r.Skip();  // email_key
  o.set_payload(r.ReadText());
  o.set_lead_id(r.ReadText());
  r.ReadTime([&] { return o.mutable_created_at(); });
  r.ReadTime([&] { return o.mutable_expires_at(); });
  r.ReadTime([&] { return o.mutable_confirmed_at(); });
  o.set_client_ip(r.ReadText());
  o.set_user_agent(r.ReadText());
  o.set_confirm_ip(r.ReadText());
  o.set_confirm_user_agent(r.ReadText());
  return o;
}

// Binds the fields of `m` in OutboxMessageSql() order (id and content
// excluded).
void BindOutboxMessage(const v1::OutboxMessage& m, ColumnBinder& p) {
  p.Text(m.kind())
      .Text(m.recipient())
      .Text(m.sender())
      .Text(m.subject())
      .Int(m.status())
      .Int(m.attempts())
      .Time(TimeOrNull(m.has_next_attempt_at(), m.next_attempt_at()))
      .Text(m.last_error())
      .Text(m.opt_in_request_id())
      .Time(TimeOrNull(m.has_created_at(), m.created_at()))
      .Time(TimeOrNull(m.has_sent_at(), m.sent_at()));
}

absl::StatusOr<v1::OutboxMessage> ReadOutboxMessage(ColumnReader& r) {
  v1::OutboxMessage m;
  r.Skip();
  m.set_id(r.ReadText());
  m.set_kind(r.ReadText());
  m.set_recipient(r.ReadText());
  m.set_sender(r.ReadText());
  m.set_subject(r.ReadText());
  m.set_status(static_cast<v1::OutboxStatus>(r.ReadInt()));
  m.set_attempts(static_cast<int32_t>(r.ReadInt()));
  r.ReadTime([&] { return m.mutable_next_attempt_at(); });
  m.set_last_error(r.ReadText());
  m.set_opt_in_request_id(r.ReadText());
  r.ReadTime([&] { return m.mutable_created_at(); });
  r.ReadTime([&] { return m.mutable_sent_at(); });
  return m;
}

}  // namespace leadcapture::storage
