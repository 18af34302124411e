// Column conventions, shared by every table (the SQLite ones, in MySQL
// types):
// - seq: the row order (BIGINT AUTO_INCREMENT primary key, never reused);
//   lists and page tokens follow it. The API id is a separate UNIQUE key.
// - Ids, API keys, e-mail keys, phone numbers and other values that are
//   matched or joined on are VARBINARY: compared byte for byte, with no
//   collation, no case folding and no trailing-space padding.
// - Human text is utf8mb4 (every table's default character set), so that
//   4-byte characters such as emoji are kept.
// - Times are BIGINT microseconds since the Unix epoch (UTC); NULL when the
//   record's Timestamp is unset.
// - Optional bools are TINYINT 0/1, NULL when unset.
// - Lists of strings (payload_fields, required_fields, allowed_origins) are
//   JSON arrays of strings as TEXT, "[]" when empty.
// - Enums (Lead.status, CaptureLog.outcome) are their proto numbers.
// - email_key is EmailKey(email_address), kept for matching.
// Every table is InnoDB: row locks, foreign keys, crash-safe commits.
#include "storage/mysql_schema.h"

namespace leadcapture::storage {
namespace {

#define LC_TABLE_OPTIONS \
  " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

constexpr const char* const kV1Initial[] = {
    R"sql(
CREATE TABLE IF NOT EXISTS target_lists (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id VARBINARY(255) NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at BIGINT NULL,
  modified_at BIGINT NULL,
  UNIQUE KEY target_lists_id (id)
))sql" LC_TABLE_OPTIONS,

    R"sql(
CREATE TABLE IF NOT EXISTS entry_points (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id VARBINARY(255) NOT NULL,
  name TEXT NOT NULL,
  is_active TINYINT NULL,
  api_key VARBINARY(255) NOT NULL,
  payload_fields TEXT NOT NULL,
  required_fields TEXT NOT NULL,
  target_list_id VARBINARY(255) NULL,
  subscribe_to_target_list TINYINT NULL,
  subscribe_contact_if_exists TINYINT NULL,
  target_team_id VARBINARY(255) NOT NULL,
  campaign_id VARBINARY(255) NOT NULL,
  lead_source TEXT NOT NULL,
  duplicate_check TINYINT NULL,
  phone_country VARBINARY(16) NOT NULL,
  allowed_origins TEXT NOT NULL,
  created_at BIGINT NULL,
  modified_at BIGINT NULL,
  UNIQUE KEY entry_points_id (id),
  UNIQUE KEY entry_points_api_key (api_key),
  KEY entry_points_target_list_id (target_list_id),
  CONSTRAINT entry_points_target_list FOREIGN KEY (target_list_id)
      REFERENCES target_lists (id) ON DELETE SET NULL
))sql" LC_TABLE_OPTIONS,

    R"sql(
CREATE TABLE IF NOT EXISTS teams (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id VARBINARY(255) NOT NULL,
  name TEXT NOT NULL,
  created_at BIGINT NULL,
  modified_at BIGINT NULL,
  UNIQUE KEY teams_id (id)
))sql" LC_TABLE_OPTIONS,

    R"sql(
CREATE TABLE IF NOT EXISTS campaigns (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id VARBINARY(255) NOT NULL,
  name TEXT NOT NULL,
  created_at BIGINT NULL,
  modified_at BIGINT NULL,
  UNIQUE KEY campaigns_id (id)
))sql" LC_TABLE_OPTIONS,

    R"sql(
CREATE TABLE IF NOT EXISTS campaign_log_entries (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id VARBINARY(255) NOT NULL,
  campaign_id VARBINARY(255) NOT NULL,
  action TEXT NOT NULL,
  parent_type VARBINARY(255) NOT NULL,
  parent_id VARBINARY(255) NOT NULL,
  data MEDIUMTEXT NOT NULL,
  created_at BIGINT NULL,
  UNIQUE KEY campaign_log_entries_id (id),
  KEY campaign_log_entries_campaign_id (campaign_id),
  CONSTRAINT campaign_log_entries_campaign FOREIGN KEY (campaign_id)
      REFERENCES campaigns (id) ON DELETE CASCADE
))sql" LC_TABLE_OPTIONS,

    // email_key holds up to 255 characters of 4 bytes each.
    R"sql(
CREATE TABLE IF NOT EXISTS contacts (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id VARBINARY(255) NOT NULL,
  salutation_name TEXT NOT NULL,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  email_address TEXT NOT NULL,
  email_key VARBINARY(1024) NOT NULL,
  phone_number VARBINARY(255) NOT NULL,
  created_at BIGINT NULL,
  modified_at BIGINT NULL,
  UNIQUE KEY contacts_id (id),
  KEY contacts_email_key (email_key, created_at),
  KEY contacts_phone_number (phone_number, created_at)
))sql" LC_TABLE_OPTIONS,

    R"sql(
CREATE TABLE IF NOT EXISTS leads (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id VARBINARY(255) NOT NULL,
  salutation_name TEXT NOT NULL,
  first_name TEXT NOT NULL,
  middle_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  title TEXT NOT NULL,
  account_name TEXT NOT NULL,
  email_address TEXT NOT NULL,
  email_key VARBINARY(1024) NOT NULL,
  phone_number VARBINARY(255) NOT NULL,
  website TEXT NOT NULL,
  address_street TEXT NOT NULL,
  address_city TEXT NOT NULL,
  address_state TEXT NOT NULL,
  address_country TEXT NOT NULL,
  address_postal_code TEXT NOT NULL,
  description MEDIUMTEXT NOT NULL,
  status INT NOT NULL,
  source TEXT NOT NULL,
  campaign_id VARBINARY(255) NOT NULL,
  assigned_user_id VARBINARY(255) NOT NULL,
  entry_point_id VARBINARY(255) NOT NULL,
  created_at BIGINT NULL,
  modified_at BIGINT NULL,
  UNIQUE KEY leads_id (id),
  KEY leads_email_key (email_key, created_at),
  KEY leads_phone_number (phone_number, created_at),
  KEY leads_entry_point_id (entry_point_id)
))sql" LC_TABLE_OPTIONS,

    // A lead's team ids, in the order of Lead.team_ids.
    R"sql(
CREATE TABLE IF NOT EXISTS lead_teams (
  lead_id VARBINARY(255) NOT NULL,
  position INT NOT NULL,
  team_id VARBINARY(255) NOT NULL,
  PRIMARY KEY (lead_id, position),
  CONSTRAINT lead_teams_lead FOREIGN KEY (lead_id)
      REFERENCES leads (id) ON DELETE CASCADE
))sql" LC_TABLE_OPTIONS,

    // member_type is "lead" or "contact"; member_id is not a foreign key
    // since it names a row of either table. The UNIQUE key is the natural
    // key of a membership; seq keeps the order in which members were first
    // added.
    R"sql(
CREATE TABLE IF NOT EXISTS target_list_members (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  target_list_id VARBINARY(255) NOT NULL,
  member_type VARBINARY(32) NOT NULL,
  member_id VARBINARY(255) NOT NULL,
  opted_out TINYINT NOT NULL,
  created_at BIGINT NULL,
  modified_at BIGINT NULL,
  UNIQUE KEY target_list_members_member
      (target_list_id, member_type, member_id),
  CONSTRAINT target_list_members_target_list FOREIGN KEY (target_list_id)
      REFERENCES target_lists (id) ON DELETE CASCADE
))sql" LC_TABLE_OPTIONS,

    R"sql(
CREATE TABLE IF NOT EXISTS capture_logs (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id VARBINARY(255) NOT NULL,
  entry_point_id VARBINARY(255) NOT NULL,
  target_type VARBINARY(32) NOT NULL,
  target_id VARBINARY(255) NOT NULL,
  is_created TINYINT NOT NULL,
  payload MEDIUMTEXT NOT NULL,
  outcome INT NOT NULL,
  client_ip VARBINARY(255) NOT NULL,
  user_agent TEXT NOT NULL,
  description MEDIUMTEXT NOT NULL,
  created_at BIGINT NULL,
  UNIQUE KEY capture_logs_id (id),
  KEY capture_logs_entry_point_id (entry_point_id)
))sql" LC_TABLE_OPTIONS,

    // Only MySQL has this table: Transaction::LockIdentity upserts the
    // identity's row and so holds its exclusive row lock until the
    // transaction ends. A row matters only while it is locked; deleting
    // old rows at any time is safe.
    R"sql(
CREATE TABLE IF NOT EXISTS identity_locks (
  identity VARBINARY(1024) NOT NULL PRIMARY KEY,
  locked_at BIGINT NOT NULL
))sql" LC_TABLE_OPTIONS,
};

// Double opt-in: the entry point settings, e-mail templates, opt-in
// requests and the outbox.
constexpr const char* const kV2OptIn[] = {
    R"sql(
CREATE TABLE IF NOT EXISTS email_templates (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id VARBINARY(255) NOT NULL,
  name TEXT NOT NULL,
  subject TEXT NOT NULL,
  body MEDIUMTEXT NOT NULL,
  is_html TINYINT NOT NULL,
  created_at BIGINT NULL,
  modified_at BIGINT NULL,
  UNIQUE KEY email_templates_id (id)
))sql" LC_TABLE_OPTIONS,

    // The EntryPoint fields 18-26, in one statement (so it is applied
    // whole or not at all). Rows made before this migration get the proto
    // defaults. Deleting a template clears the entry points that named it,
    // as deleting a target list does.
    R"sql(
ALTER TABLE entry_points
  ADD COLUMN opt_in TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN opt_in_template_id VARBINARY(255) NULL,
  ADD COLUMN opt_in_lifetime_hours INT NOT NULL DEFAULT 0,
  ADD COLUMN opt_in_success_message TEXT NOT NULL DEFAULT (''),
  ADD COLUMN opt_in_success_redirect_url TEXT NOT NULL DEFAULT (''),
  ADD COLUMN create_lead_before_confirmation TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN skip_confirmation_if_subscribed TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN opt_in_confirm_with_button TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN mail_from TEXT NOT NULL DEFAULT (''),
  ADD KEY entry_points_opt_in_template_id (opt_in_template_id),
  ADD CONSTRAINT entry_points_opt_in_template
      FOREIGN KEY (opt_in_template_id)
      REFERENCES email_templates (id) ON DELETE SET NULL
)sql",

    // entry_point_id and lead_id are not foreign keys, as in leads and
    // capture_logs: a request is consent evidence and outlives both. The
    // token itself is never stored, only its hash. confirmed_at is NULL
    // while the request is pending.
    R"sql(
CREATE TABLE IF NOT EXISTS opt_in_requests (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id VARBINARY(255) NOT NULL,
  token_hash VARBINARY(255) NOT NULL,
  entry_point_id VARBINARY(255) NOT NULL,
  email_address TEXT NOT NULL,
  email_key VARBINARY(1024) NOT NULL,
  payload MEDIUMTEXT NOT NULL,
  lead_id VARBINARY(255) NOT NULL,
  created_at BIGINT NULL,
  expires_at BIGINT NULL,
  confirmed_at BIGINT NULL,
  client_ip VARBINARY(255) NOT NULL,
  user_agent TEXT NOT NULL,
  confirm_ip VARBINARY(255) NOT NULL,
  confirm_user_agent TEXT NOT NULL,
  UNIQUE KEY opt_in_requests_id (id),
  UNIQUE KEY opt_in_requests_token_hash (token_hash),
  KEY opt_in_requests_email_key (entry_point_id, email_key, created_at),
  KEY opt_in_requests_entry_point_id (entry_point_id),
  KEY opt_in_requests_unconfirmed_expires_at (confirmed_at, expires_at)
))sql" LC_TABLE_OPTIONS,

    // content is the whole message (MIME text for mail); it is emptied once
    // the message is sent or has failed for good. opt_in_request_id is not
    // a foreign key: the clean-up may delete the request while its mail
    // stays listed.
    R"sql(
CREATE TABLE IF NOT EXISTS outbox_messages (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id VARBINARY(255) NOT NULL,
  kind VARBINARY(32) NOT NULL,
  recipient TEXT NOT NULL,
  sender TEXT NOT NULL,
  subject TEXT NOT NULL,
  status INT NOT NULL,
  attempts INT NOT NULL,
  next_attempt_at BIGINT NULL,
  last_error TEXT NOT NULL,
  opt_in_request_id VARBINARY(255) NOT NULL,
  created_at BIGINT NULL,
  sent_at BIGINT NULL,
  content MEDIUMBLOB NOT NULL,
  UNIQUE KEY outbox_messages_id (id),
  KEY outbox_messages_due (status, next_attempt_at)
))sql" LC_TABLE_OPTIONS,
};

#undef LC_TABLE_OPTIONS

// Append new migrations at the end; never edit or reorder released ones.
constexpr MySqlMigration kMigrations[] = {
    {kV1Initial},
    {kV2OptIn},
};

}  // namespace

absl::Span<const MySqlMigration> MySqlMigrations() { return kMigrations; }

}  // namespace leadcapture::storage
