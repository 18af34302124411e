// Column conventions, shared by every table:
// - seq: the row order (INTEGER PRIMARY KEY AUTOINCREMENT, so never reused);
//   lists and page tokens follow it. The API id is a separate UNIQUE text.
// - Times are INTEGER microseconds since the Unix epoch (UTC); NULL when the
//   record's Timestamp is unset.
// - Optional bools are INTEGER 0/1, NULL when unset.
// - Lists of strings (payload_fields, required_fields, allowed_origins) are
//   JSON arrays of strings as TEXT, "[]" when empty.
// - Enums (Lead.status, CaptureLog.outcome) are their proto numbers.
// - email_key is EmailKey(email_address), kept for matching.
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

// Append new scripts at the end; never edit or reorder released ones.
constexpr const char* const kMigrations[] = {
    kV1Initial,
};

}  // namespace

absl::Span<const char* const> SqliteMigrations() { return kMigrations; }

}  // namespace leadcapture::storage
