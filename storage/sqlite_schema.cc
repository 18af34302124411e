// Column conventions, shared by every table:
// - seq: the row order (INTEGER PRIMARY KEY AUTOINCREMENT, so never reused);
//   lists and page tokens follow it. The API id is a separate UNIQUE text.
// - Times are INTEGER microseconds since the Unix epoch (UTC); NULL when the
//   record's Timestamp is unset.
// - Optional bools are INTEGER 0/1, NULL when unset.
// - Lists of strings (payload_fields, required_fields, allowed_origins) are
//   JSON arrays of strings as TEXT, "[]" when empty.
// - Enums (Lead.status, CaptureLog.outcome, OutboxMessage.status) are their
//   proto numbers.
// - email_key is EmailKey(email_address), kept for matching.
// - Bytes that need not be text (opt-in token hashes, outbox content) are
//   BLOBs.
#include "storage/sqlite_schema.h"

namespace leadcapture::storage {
namespace {

constexpr const char kV1Initial[] = R"sql(
CREATE TABLE target_lists (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at INTEGER,
  modified_at INTEGER
);

CREATE TABLE entry_points (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  is_active INTEGER,
  api_key TEXT NOT NULL UNIQUE,
  payload_fields TEXT NOT NULL,
  required_fields TEXT NOT NULL,
  target_list_id TEXT
      REFERENCES target_lists (id) ON DELETE SET NULL,
  subscribe_to_target_list INTEGER,
  subscribe_contact_if_exists INTEGER,
  target_team_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  lead_source TEXT NOT NULL,
  duplicate_check INTEGER,
  phone_country TEXT NOT NULL,
  allowed_origins TEXT NOT NULL,
  created_at INTEGER,
  modified_at INTEGER
);
CREATE INDEX entry_points_target_list_id ON entry_points (target_list_id);

CREATE TABLE teams (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at INTEGER,
  modified_at INTEGER
);

CREATE TABLE campaigns (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at INTEGER,
  modified_at INTEGER
);

CREATE TABLE campaign_log_entries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  campaign_id TEXT NOT NULL
      REFERENCES campaigns (id) ON DELETE CASCADE,
  action TEXT NOT NULL,
  parent_type TEXT NOT NULL,
  parent_id TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER
);
CREATE INDEX campaign_log_entries_campaign_id
    ON campaign_log_entries (campaign_id);

CREATE TABLE contacts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  salutation_name TEXT NOT NULL,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  email_address TEXT NOT NULL,
  email_key TEXT NOT NULL,
  phone_number TEXT NOT NULL,
  created_at INTEGER,
  modified_at INTEGER
);
CREATE INDEX contacts_email_key ON contacts (email_key, created_at);
CREATE INDEX contacts_phone_number ON contacts (phone_number, created_at);

CREATE TABLE leads (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  salutation_name TEXT NOT NULL,
  first_name TEXT NOT NULL,
  middle_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  title TEXT NOT NULL,
  account_name TEXT NOT NULL,
  email_address TEXT NOT NULL,
  email_key TEXT NOT NULL,
  phone_number TEXT NOT NULL,
  website TEXT NOT NULL,
  address_street TEXT NOT NULL,
  address_city TEXT NOT NULL,
  address_state TEXT NOT NULL,
  address_country TEXT NOT NULL,
  address_postal_code TEXT NOT NULL,
  description TEXT NOT NULL,
  status INTEGER NOT NULL,
  source TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  assigned_user_id TEXT NOT NULL,
  entry_point_id TEXT NOT NULL,
  created_at INTEGER,
  modified_at INTEGER
);
CREATE INDEX leads_email_key ON leads (email_key, created_at);
CREATE INDEX leads_phone_number ON leads (phone_number, created_at);
CREATE INDEX leads_entry_point_id ON leads (entry_point_id);

-- A lead's team ids, in the order of Lead.team_ids.
CREATE TABLE lead_teams (
  lead_id TEXT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  team_id TEXT NOT NULL,
  PRIMARY KEY (lead_id, position)
);

-- member_type is "lead" or "contact"; member_id is not a foreign key since
-- it names a row of either table. The UNIQUE key is the natural key of a
-- membership; seq keeps the order in which members were first added.
CREATE TABLE target_list_members (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  target_list_id TEXT NOT NULL
      REFERENCES target_lists (id) ON DELETE CASCADE,
  member_type TEXT NOT NULL,
  member_id TEXT NOT NULL,
  opted_out INTEGER NOT NULL,
  created_at INTEGER,
  modified_at INTEGER,
  UNIQUE (target_list_id, member_type, member_id)
);
CREATE INDEX target_list_members_target_list_id
    ON target_list_members (target_list_id);

CREATE TABLE capture_logs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  entry_point_id TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  is_created INTEGER NOT NULL,
  payload TEXT NOT NULL,
  outcome INTEGER NOT NULL,
  client_ip TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at INTEGER
);
CREATE INDEX capture_logs_entry_point_id ON capture_logs (entry_point_id);
)sql";

// Double opt-in: the entry point settings, e-mail templates, opt-in
// requests and the outbox.
constexpr const char kV2OptIn[] = R"sql(
CREATE TABLE email_templates (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  is_html INTEGER NOT NULL,
  created_at INTEGER,
  modified_at INTEGER
);

-- The EntryPoint fields 18-26. Rows made before this migration get the
-- proto defaults. Deleting a template clears the entry points that named
-- it, as deleting a target list does.
ALTER TABLE entry_points ADD COLUMN opt_in INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entry_points ADD COLUMN opt_in_template_id TEXT
    REFERENCES email_templates (id) ON DELETE SET NULL;
ALTER TABLE entry_points
    ADD COLUMN opt_in_lifetime_hours INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entry_points
    ADD COLUMN opt_in_success_message TEXT NOT NULL DEFAULT '';
ALTER TABLE entry_points
    ADD COLUMN opt_in_success_redirect_url TEXT NOT NULL DEFAULT '';
ALTER TABLE entry_points
    ADD COLUMN create_lead_before_confirmation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entry_points
    ADD COLUMN skip_confirmation_if_subscribed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entry_points
    ADD COLUMN opt_in_confirm_with_button INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entry_points ADD COLUMN mail_from TEXT NOT NULL DEFAULT '';
CREATE INDEX entry_points_opt_in_template_id
    ON entry_points (opt_in_template_id);

-- entry_point_id and lead_id are not foreign keys, as in leads and
-- capture_logs: a request is consent evidence and outlives both. The
-- token itself is never stored, only its hash. confirmed_at is NULL while
-- the request is pending.
CREATE TABLE opt_in_requests (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  token_hash BLOB NOT NULL UNIQUE,
  entry_point_id TEXT NOT NULL,
  email_address TEXT NOT NULL,
  email_key TEXT NOT NULL,
  payload TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  created_at INTEGER,
  expires_at INTEGER,
  confirmed_at INTEGER,
  client_ip TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  confirm_ip TEXT NOT NULL,
  confirm_user_agent TEXT NOT NULL
);
-- The mail limit per address and the search for an earlier confirmation.
CREATE INDEX opt_in_requests_email_key
    ON opt_in_requests (entry_point_id, email_key, created_at);
CREATE INDEX opt_in_requests_entry_point_id
    ON opt_in_requests (entry_point_id);
-- The clean-up of expired, unconfirmed requests.
CREATE INDEX opt_in_requests_unconfirmed_expires_at
    ON opt_in_requests (expires_at) WHERE confirmed_at IS NULL;

-- content is the whole message (MIME text for mail); it is emptied once
-- the message is sent or has failed for good. opt_in_request_id is not a
-- foreign key: the clean-up may delete the request while its mail stays
-- listed.
CREATE TABLE outbox_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  recipient TEXT NOT NULL,
  sender TEXT NOT NULL,
  subject TEXT NOT NULL,
  status INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER,
  last_error TEXT NOT NULL,
  opt_in_request_id TEXT NOT NULL,
  created_at INTEGER,
  sent_at INTEGER,
  content BLOB NOT NULL
);
CREATE INDEX outbox_messages_due
    ON outbox_messages (status, next_attempt_at);
)sql";

// Append new scripts at the end; never edit or reorder released ones.
constexpr const char* const kMigrations[] = {
    kV1Initial,
    kV2OptIn,
};

}  // namespace

absl::Span<const char* const> SqliteMigrations() { return kMigrations; }

}  // namespace leadcapture::storage
