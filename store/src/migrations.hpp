#pragma once
// The log's schema, as numbered migrations applied in order, each in its own transaction.

#include "advisor/store/result.hpp"
#include "database.hpp"

namespace advisor::store::detail {

inline constexpr int latest_schema = 3;

// Brings the schema up to latest_schema. Safe when several processes open the same database at
// once: each migration runs under begin_exclusive() and re-reads the version first.
// Errors: a migration failed (it is rolled back), or the schema is newer than latest_schema.
status migrate(database& db);

}  // namespace advisor::store::detail
