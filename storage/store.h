// The storage interface of leadcapture: one interface, one behaviour, with
// an embedded SQLite implementation and a MySQL/MariaDB one.
//
// All work happens inside a Transaction taken from Store::Begin(). Records
// are the API's protobuf messages; the caller (services/) makes ids and
// times, the store keeps them as given (times to the microsecond; an unset
// time stays unset). A transaction that is destroyed without Commit() is
// rolled back.
//
// Errors: NOT_FOUND for a Get/Update/Delete of a missing record;
// ALREADY_EXISTS for a duplicate id or API key; INVALID_ARGUMENT for a
// malformed page token; FAILED_PRECONDITION for a reference to a missing
// record (for example a member of an unknown target list); UNAVAILABLE when
// the database cannot be reached or stays locked past its busy timeout;
// INTERNAL for anything else. No exception leaves this folder.
#ifndef LEADCAPTURE_STORAGE_STORE_H_
#define LEADCAPTURE_STORAGE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "leadcapture/v1/resources.pb.h"

namespace leadcapture::storage {

namespace v1 = ::leadcapture::v1;

// The e-mail matching key: the address with ASCII letters lowercased, all
// other bytes kept. Stores compare keys byte for byte.
std::string EmailKey(absl::string_view email_address);

// Which page of a list to read. Lists come oldest first (insertion order).
struct PageRequest {
  // How many items at most; the caller has clamped it to [1, 1000].
  int32_t page_size = 50;
  // Empty for the first page, else a next_page_token the store gave.
  std::string page_token;
};

// One page of a list.
template <typename T>
struct Page {
  std::vector<T> items;
  // Empty on the last page.
  std::string next_page_token;
};

// A claimed outbox message and its content.
struct OutboxItem {
  v1::OutboxMessage message;
  std::string content;
};

// Lead or contact, as target list members and capture targets are.
enum class MemberType { kLead, kContact };

// "lead" or "contact".
absl::string_view MemberTypeName(MemberType type);

// A row of a target list's membership table.
struct Membership {
  bool opted_out = false;
};

// What a transaction is for. SQLite takes its write lock at the start of a
// kReadWrite transaction (BEGIN IMMEDIATE), so that a read-then-write such
// as a duplicate check cannot race another writer, in this process or
// another.
enum class TransactionMode { kReadOnly, kReadWrite };

// A unit of work. Not thread-safe: one thread uses it at a time.
class Transaction {
 public:
  virtual ~Transaction() = default;

  // Makes every change of this transaction durable. After Commit (OK or
  // not) the transaction must not be used again; on error nothing of it was
  // stored.
  virtual absl::Status Commit() = 0;

  // Serialises the work of concurrent transactions on one identity (an
  // e-mail key or an E.164 number) until this transaction ends, so that two
  // captures of one person cannot both create a lead. A no-op where the
  // store already serialises writers (SQLite).
  virtual absl::Status LockIdentity(absl::string_view identity) = 0;

  // Entry points. api_key is unique. Create and Update give
  // FAILED_PRECONDITION when target_list_id names no target list or
  // opt_in_template_id no e-mail template; the team and campaign ids are
  // not checked.
  virtual absl::Status CreateEntryPoint(const v1::EntryPoint& entry_point) = 0;
  virtual absl::StatusOr<v1::EntryPoint> GetEntryPoint(
      absl::string_view id) = 0;
  // The entry point with this key, active or not; nullopt if none.
  virtual absl::StatusOr<std::optional<v1::EntryPoint>> FindEntryPointByApiKey(
      absl::string_view api_key) = 0;
  virtual absl::StatusOr<Page<v1::EntryPoint>> ListEntryPoints(
      const PageRequest& page) = 0;
  // Replaces every stored field of the entry point with this id.
  virtual absl::Status UpdateEntryPoint(const v1::EntryPoint& entry_point) = 0;
  virtual absl::Status DeleteEntryPoint(absl::string_view id) = 0;

  // Target lists. Deleting one deletes its memberships and clears it from
  // entry points that named it.
  virtual absl::Status CreateTargetList(const v1::TargetList& target_list) = 0;
  virtual absl::StatusOr<v1::TargetList> GetTargetList(
      absl::string_view id) = 0;
  virtual absl::StatusOr<Page<v1::TargetList>> ListTargetLists(
      const PageRequest& page) = 0;
  virtual absl::Status DeleteTargetList(absl::string_view id) = 0;

  // Target list memberships.
  virtual absl::StatusOr<std::optional<Membership>> GetMembership(
      absl::string_view target_list_id, MemberType type,
      absl::string_view member_id) = 0;
  // Inserts the membership or sets its opted_out flag; `now` becomes its
  // modified_at (and created_at when inserted). FAILED_PRECONDITION if the
  // list or the member does not exist.
  virtual absl::Status PutMembership(absl::string_view target_list_id,
                                     MemberType type,
                                     absl::string_view member_id,
                                     bool opted_out, absl::Time now) = 0;
  virtual absl::Status DeleteMembership(absl::string_view target_list_id,
                                        MemberType type,
                                        absl::string_view member_id) = 0;
  // Members with their e-mail address and name, in the order they were
  // first added. NOT_FOUND if the target list does not exist.
  virtual absl::StatusOr<Page<v1::TargetListMember>> ListMembers(
      absl::string_view target_list_id, const PageRequest& page) = 0;

  // Teams.
  virtual absl::Status CreateTeam(const v1::Team& team) = 0;
  virtual absl::StatusOr<v1::Team> GetTeam(absl::string_view id) = 0;
  virtual absl::StatusOr<Page<v1::Team>> ListTeams(const PageRequest& page) = 0;

  // Campaigns and their logs. AddCampaignLogEntry gives FAILED_PRECONDITION
  // and ListCampaignLogEntries NOT_FOUND when the campaign does not exist.
  virtual absl::Status CreateCampaign(const v1::Campaign& campaign) = 0;
  virtual absl::StatusOr<v1::Campaign> GetCampaign(absl::string_view id) = 0;
  virtual absl::StatusOr<Page<v1::Campaign>> ListCampaigns(
      const PageRequest& page) = 0;
  virtual absl::Status AddCampaignLogEntry(
      const v1::CampaignLogEntry& entry) = 0;
  virtual absl::StatusOr<Page<v1::CampaignLogEntry>> ListCampaignLogEntries(
      absl::string_view campaign_id, const PageRequest& page) = 0;

  // Contacts. The store keeps EmailKey(email_address) for matching.
  virtual absl::Status CreateContact(const v1::Contact& contact) = 0;
  virtual absl::StatusOr<v1::Contact> GetContact(absl::string_view id) = 0;
  virtual absl::StatusOr<Page<v1::Contact>> ListContacts(
      const PageRequest& page) = 0;
  // The oldest contact (smallest created_at, then first stored) whose
  // e-mail key or phone number is this one. An empty key finds nothing.
  virtual absl::StatusOr<std::optional<v1::Contact>> FindContactByEmailKey(
      absl::string_view email_key) = 0;
  virtual absl::StatusOr<std::optional<v1::Contact>> FindContactByPhone(
      absl::string_view phone_e164) = 0;

  // Leads, with their team ids (in order; not checked against teams). The
  // store keeps EmailKey(email_address).
  virtual absl::Status CreateLead(const v1::Lead& lead) = 0;
  virtual absl::StatusOr<v1::Lead> GetLead(absl::string_view id) = 0;
  // Only leads whose entry_point_id is this one, when it is not empty.
  virtual absl::StatusOr<Page<v1::Lead>> ListLeads(
      absl::string_view entry_point_id, const PageRequest& page) = 0;
  // Replaces every stored field (team ids included) of the lead with this
  // id.
  virtual absl::Status UpdateLead(const v1::Lead& lead) = 0;
  // The oldest lead (smallest created_at, then first stored) whose e-mail
  // key or phone number is this one. An empty key finds nothing.
  virtual absl::StatusOr<std::optional<v1::Lead>> FindLeadByEmailKey(
      absl::string_view email_key) = 0;
  virtual absl::StatusOr<std::optional<v1::Lead>> FindLeadByPhone(
      absl::string_view phone_e164) = 0;

  // Capture logs.
  virtual absl::Status AddCaptureLog(const v1::CaptureLog& log) = 0;
  // Only logs whose entry_point_id is this one, when it is not empty.
  virtual absl::StatusOr<Page<v1::CaptureLog>> ListCaptureLogs(
      absl::string_view entry_point_id, const PageRequest& page) = 0;

  // E-mail templates. Deleting one clears opt_in_template_id of the entry
  // points that named it.
  virtual absl::Status CreateEmailTemplate(
      const v1::EmailTemplate& email_template) = 0;
  virtual absl::StatusOr<v1::EmailTemplate> GetEmailTemplate(
      absl::string_view id) = 0;
  virtual absl::StatusOr<Page<v1::EmailTemplate>> ListEmailTemplates(
      const PageRequest& page) = 0;
  virtual absl::Status UpdateEmailTemplate(
      const v1::EmailTemplate& email_template) = 0;
  virtual absl::Status DeleteEmailTemplate(absl::string_view id) = 0;

  // Double opt-in requests. The store keeps `token_hash` (unique; ALREADY
  // EXISTS for a repeat) and EmailKey(email_address) beside the record; the
  // `state` field is not stored (the caller derives it).
  virtual absl::Status CreateOptInRequest(const v1::OptInRequest& request,
                                          absl::string_view token_hash) = 0;
  virtual absl::StatusOr<v1::OptInRequest> GetOptInRequest(
      absl::string_view id) = 0;
  // The request with this token hash; nullopt if none.
  virtual absl::StatusOr<std::optional<v1::OptInRequest>>
  FindOptInRequestByTokenHash(absl::string_view token_hash) = 0;
  // The oldest confirmed request (smallest created_at, then first stored)
  // of this entry point and e-mail key; nullopt if none.
  virtual absl::StatusOr<std::optional<v1::OptInRequest>>
  FindConfirmedOptInRequest(absl::string_view entry_point_id,
                            absl::string_view email_key) = 0;
  // How many requests of this entry point and e-mail key were created at or
  // after `since`.
  virtual absl::StatusOr<int64_t> CountOptInRequestsSince(
      absl::string_view entry_point_id, absl::string_view email_key,
      absl::Time since) = 0;
  // Replaces the stored fields (lead_id, confirmed_at, confirm_ip,
  // confirm_user_agent ...) of the request with this id.
  virtual absl::Status UpdateOptInRequest(const v1::OptInRequest& request) = 0;
  // Only requests whose entry_point_id is this one, when it is not empty.
  virtual absl::StatusOr<Page<v1::OptInRequest>> ListOptInRequests(
      absl::string_view entry_point_id, const PageRequest& page) = 0;
  // Deletes unconfirmed requests whose expires_at is before `before`.
  // Returns how many.
  virtual absl::StatusOr<int64_t> DeleteUnconfirmedOptInRequestsBefore(
      absl::Time before) = 0;

  // The outbox. `content` is the whole message (for mail: the MIME text with
  // CRLF line ends); it is kept until the message is sent or fails for good.
  // The Mark* methods give NOT_FOUND for an unknown id.
  virtual absl::Status EnqueueOutboxMessage(const v1::OutboxMessage& message,
                                            absl::string_view content) = 0;
  // Takes up to `limit` QUEUED messages whose next_attempt_at is at or
  // before `now` (or unset), oldest first (smallest created_at, then first
  // stored), and makes them invisible to other claims until `lease_until`
  // (by moving their next_attempt_at there) and counts the attempt; returns
  // them so updated. Concurrent claims, in this process or another, never get
  // the same message while its lease runs.
  virtual absl::StatusOr<std::vector<OutboxItem>> ClaimOutboxMessages(
      absl::Time now, absl::Time lease_until, int limit) = 0;
  // Marks a message SENT at `now` and erases its content; last_error stays.
  virtual absl::Status MarkOutboxMessageSent(absl::string_view id,
                                             absl::Time now) = 0;
  // Records a failed attempt: the message stays QUEUED until
  // `next_attempt_at`, or becomes FAILED (content erased) when `give_up`.
  virtual absl::Status MarkOutboxMessageFailed(absl::string_view id,
                                               absl::string_view error,
                                               absl::Time next_attempt_at,
                                               bool give_up) = 0;
  virtual absl::StatusOr<Page<v1::OutboxMessage>> ListOutboxMessages(
      const PageRequest& page) = 0;
};

// A database. Thread-safe: many threads may hold transactions at once.
class Store {
 public:
  virtual ~Store() = default;

  // Starts a transaction. UNAVAILABLE when the database cannot be reached.
  virtual absl::StatusOr<std::unique_ptr<Transaction>> Begin(
      TransactionMode mode) = 0;
};

// How OpenStore finds a MySQL password, which is never part of the URL.
struct OpenStoreOptions {
  // A file holding the password (a final line break is not part of it).
  // When empty, the environment gives it: LEADCAPTURE_DB_PASSWORD, else
  // the file named by LEADCAPTURE_DB_PASSWORD_FILE, else no password.
  std::string password_file;
};

// Opens the store a database URL names and brings its schema up to date:
// "sqlite:PATH" (the file is created if missing), "sqlite::memory:", or a
// MySQL/MariaDB server as ParseMySqlUrl (mysql_store.h) reads it:
// "mysql://USER@HOST:PORT/DATABASE" or
// "mysql://USER@localhost/DATABASE?socket=PATH". INVALID_ARGUMENT for a URL
// of no known kind or a password file that cannot be read; UNAVAILABLE
// when the server cannot be reached.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(absl::string_view url);
absl::StatusOr<std::unique_ptr<Store>> OpenStore(
    absl::string_view url, const OpenStoreOptions& options);

}  // namespace leadcapture::storage

#endif  // LEADCAPTURE_STORAGE_STORE_H_
