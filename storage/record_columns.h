// What the SQL backends of the store share: the record tables' SQL shapes
// and column lists, and the mapping of each record to its columns and back.
// Internal to storage/; the SQL text and the column order are the schema's
// (see sqlite_schema.cc and mysql_schema.cc) and must not change here alone.
#ifndef LEADCAPTURE_STORAGE_RECORD_COLUMNS_H_
#define LEADCAPTURE_STORAGE_RECORD_COLUMNS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "leadcapture/v1/resources.pb.h"
#include "storage/store.h"

namespace leadcapture::storage {

// The range of google.protobuf.Timestamp: 0001-01-01 to 9999-12-31 UTC.
inline constexpr int64_t kMinTimestampSeconds = -62135596800;
inline constexpr int64_t kMaxTimestampSeconds = 253402300799;
inline constexpr int64_t kMicrosPerSecond = 1000000;

// Times are stored as microseconds since the Unix epoch.
int64_t ToMicros(const google::protobuf::Timestamp& time);
void FromMicros(int64_t micros, google::protobuf::Timestamp* time);

std::optional<bool> OptionalBool(bool has, bool value);

// Lists of strings are stored as JSON arrays of strings. EncodeList fails
// with INVALID_ARGUMENT on an item that is not UTF-8; DecodeList with
// INTERNAL on text that is not such an array.
absl::StatusOr<std::string> EncodeList(
    const google::protobuf::RepeatedPtrField<std::string>& items);
absl::Status DecodeList(absl::string_view text,
                        google::protobuf::RepeatedPtrField<std::string>* out);

// `&time` when `has`, else nullptr (an unset time, bound as NULL).
const google::protobuf::Timestamp* TimeOrNull(
    bool has, const google::protobuf::Timestamp& time);

// Page tokens are the seq of the last row of the previous page, in decimal;
// "" is the first page. INVALID_ARGUMENT for anything else.
absl::StatusOr<int64_t> ParsePageToken(absl::string_view token);
// The page size a list uses: 1 to 1000.
int64_t ClampPageSize(int32_t page_size);

// The SQL of one record table whose rows are (seq, id, fields...).
struct RecordSql {
  // "seq, id, f1, f2, ..." for SELECT.
  std::string columns;
  // "INSERT INTO t (id, f1, ..., i1, ...) VALUES (?, ?, ...)", where the
  // i are the columns that are only written at insert time.
  std::string insert;
  // "UPDATE t SET f1 = ?, ... WHERE id = ?".
  std::string update;
  // "SELECT <columns> FROM t " ready for a WHERE clause.
  std::string select;
};

const RecordSql& EntryPointSql();
const RecordSql& TargetListSql();
const RecordSql& TeamSql();
const RecordSql& CampaignSql();
const RecordSql& CampaignLogEntrySql();
const RecordSql& ContactSql();
const RecordSql& LeadSql();
const RecordSql& CaptureLogSql();
const RecordSql& EmailTemplateSql();
// token_hash is written once, at insert.
const RecordSql& OptInRequestSql();
// content is read only by claims, and changed only by the Mark* methods.
const RecordSql& OutboxMessageSql();

// Binds statement parameters, each to the next `?`. A backend's binder
// keeps the first error and reports it when the statement runs.
class ColumnBinder {
 public:
  virtual ~ColumnBinder() = default;

  virtual ColumnBinder& Text(absl::string_view value) = 0;
  // "" binds NULL, for optional references.
  virtual ColumnBinder& TextOrNull(absl::string_view value) = 0;
  virtual ColumnBinder& Int(int64_t value) = 0;
  virtual ColumnBinder& Bool(bool value) = 0;
  virtual ColumnBinder& OptBool(std::optional<bool> value) = 0;
  // Binds NULL for an unset time (nullptr); a time out of the Timestamp
  // range is an INVALID_ARGUMENT error.
  virtual ColumnBinder& Time(const google::protobuf::Timestamp* time) = 0;
};

// Reads the columns of one result row in order.
class ColumnReader {
 public:
  virtual ~ColumnReader() = default;

  virtual bool NextIsNull() const = 0;
  virtual void Skip() = 0;
  virtual int64_t ReadInt() = 0;
  // "" for NULL.
  virtual std::string ReadText() = 0;

  bool ReadBool() { return ReadInt() != 0; }
  std::optional<bool> ReadOptBool() {
    if (NextIsNull()) {
      Skip();
      return std::nullopt;
    }
    return ReadBool();
  }
  // Sets *time unless the column is NULL; `time` is called only then.
  template <typename MutableTime>
  void ReadTime(MutableTime time) {
    if (NextIsNull()) {
      Skip();
      return;
    }
    FromMicros(ReadInt(), time());
  }
};

// Bind* bind a record's fields in the order of its RecordSql (id
// excluded); Read* read a row of its RecordSql's columns.
absl::Status BindEntryPoint(const v1::EntryPoint& e, ColumnBinder& p);
absl::StatusOr<v1::EntryPoint> ReadEntryPoint(ColumnReader& r);
absl::StatusOr<v1::TargetList> ReadTargetList(ColumnReader& r);
absl::StatusOr<v1::CampaignLogEntry> ReadCampaignLogEntry(ColumnReader& r);
absl::StatusOr<v1::Contact> ReadContact(ColumnReader& r);
void BindLead(const v1::Lead& l, ColumnBinder& p);
absl::StatusOr<v1::Lead> ReadLead(ColumnReader& r);
absl::StatusOr<v1::CaptureLog> ReadCaptureLog(ColumnReader& r);
void BindEmailTemplate(const v1::EmailTemplate& t, ColumnBinder& p);
absl::StatusOr<v1::EmailTemplate> ReadEmailTemplate(ColumnReader& r);
// Also binds EmailKey(email_address); not token_hash.
void BindOptInRequest(const v1::OptInRequest& o, ColumnBinder& p);
absl::StatusOr<v1::OptInRequest> ReadOptInRequest(ColumnReader& r);
void BindOutboxMessage(const v1::OutboxMessage& m, ColumnBinder& p);
absl::StatusOr<v1::OutboxMessage> ReadOutboxMessage(ColumnReader& r);

// Teams and campaigns have the same columns.
template <typename Named>
absl::StatusOr<Named> ReadNamed(ColumnReader& r) {
  Named n;
  r.Skip();
  n.set_id(r.ReadText());
  n.set_name(r.ReadText());
  r.ReadTime([&] { return n.mutable_created_at(); });
  r.ReadTime([&] { return n.mutable_modified_at(); });
  return n;
}

}  // namespace leadcapture::storage

#endif  // LEADCAPTURE_STORAGE_RECORD_COLUMNS_H_
