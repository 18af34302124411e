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
  // FAILED_PRECONDITION when target_list_id names no target list; the team
  // and campaign ids are not checked.
  virtual absl::Status CreateEntryPoint(const v1::EntryPoint& entry_point) = 0;
  virtual absl::StatusOr<v1::EntryPoint> GetEntryPoint(
      absl::string_view id) = 0;
  // The entry point with this key, active or not; nullopt if none.
  virtual absl::StatusOr<std::optional<v1::EntryPoint>>
  FindEntryPointByApiKey(absl::string_view api_key) = 0;
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
  virtual absl::StatusOr<Page<v1::Team>> ListTeams(
      const PageRequest& page) = 0;

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
};

// A database. Thread-safe: many threads may hold transactions at once.
class Store {
 public:
  virtual ~Store() = default;

  // Starts a transaction. UNAVAILABLE when the database cannot be reached.
  virtual absl::StatusOr<std::unique_ptr<Transaction>> Begin(
      TransactionMode mode) = 0;
};

// Opens the store a database URL names and brings its schema up to date:
// "sqlite:PATH" (the file is created if missing) or "sqlite::memory:".
// INVALID_ARGUMENT for a URL of no known kind.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(absl::string_view url);

}  // namespace leadcapture::storage

#endif  // LEADCAPTURE_STORAGE_STORE_H_
