// The schema of the SQLite store as an ordered list of migrations.
#ifndef LEADCAPTURE_STORAGE_SQLITE_SCHEMA_H_
#define LEADCAPTURE_STORAGE_SQLITE_SCHEMA_H_

#include "absl/types/span.h"

namespace leadcapture::storage {

// The migration scripts, oldest first. Script i (0-based) brings the schema
// to version i + 1; schema_migrations records each version once applied.
// Scripts are never edited once released: a change is a new script appended
// to the list.
absl::Span<const char* const> SqliteMigrations();

}  // namespace leadcapture::storage

#endif  // LEADCAPTURE_STORAGE_SQLITE_SCHEMA_H_
