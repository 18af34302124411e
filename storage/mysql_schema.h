// The schema of the MySQL/MariaDB store as an ordered list of migrations,
// version for version the same records as the SQLite ones
// (sqlite_schema.h).
#ifndef LEADCAPTURE_STORAGE_MYSQL_SCHEMA_H_
#define LEADCAPTURE_STORAGE_MYSQL_SCHEMA_H_

#include "absl/types/span.h"

namespace leadcapture::storage {

// One migration: SQL statements run one by one. MySQL runs one statement
// per call and its DDL commits on its own, so a migration is not atomic,
// and a crash may stop it half-way. Each statement is therefore applied
// whole or not at all (one ALTER TABLE per table), and running it again
// must either do nothing (CREATE TABLE IF NOT EXISTS) or fail because its
// object exists, which the migration runner takes as already applied.
struct MySqlMigration {
  absl::Span<const char* const> statements;
};

// The migrations, oldest first. Migration i (0-based) brings the schema to
// version i + 1; schema_migrations records each version once applied.
// Migrations are never edited once released: a change is a new migration
// appended to the list.
absl::Span<const MySqlMigration> MySqlMigrations();

}  // namespace leadcapture::storage

#endif  // LEADCAPTURE_STORAGE_MYSQL_SCHEMA_H_
