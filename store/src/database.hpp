#pragma once
// One connection to the log's database, SQLite or PostgreSQL, behind the few operations the store
// needs. SQL text is shared between the two where it can be: parameters are written $1, $2, ... in
// both (SQLite takes them as named parameters), times are Unix milliseconds, flags are 0/1 integers.
// Thread-safety: none; one thread uses a connection at a time.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "advisor/store/conversation_log.hpp"
#include "advisor/store/result.hpp"

namespace advisor::store::detail {

enum class dialect { sqlite, postgres };

using param = std::variant<std::int64_t, double, std::string>;
using row = std::vector<std::string>;  // every column as text; NULL as ""

class database {
 public:
  virtual ~database() = default;
  virtual dialect kind() const = 0;

  // One or more statements separated by ';', no parameters, results ignored.
  virtual status exec(const std::string& sql) = 0;
  // One statement with $N parameters; its rows.
  virtual result<std::vector<row>> query(const std::string& sql, const std::vector<param>& params = {}) = 0;
  // Starts a transaction that excludes other writers and other migrators: SQLite's BEGIN IMMEDIATE;
  // on PostgreSQL BEGIN and a transaction-scoped advisory lock (servers starting together).
  virtual status begin_exclusive() = 0;
  // Inserts the records in one transaction.
  virtual status insert(const std::vector<const question_record*>& batch) = 0;
  // After a failure: reconnect if the connection was lost (PostgreSQL); true if usable.
  virtual bool recover() = 0;
};

struct open_options {
  bool create = true;  // SQLite: create the file if missing
  std::chrono::milliseconds busy_timeout{5000};
};

result<std::unique_ptr<database>> open_sqlite(const std::string& path, const open_options& o);
result<std::unique_ptr<database>> open_postgres(const std::string& url, const open_options& o);

// Opens `where` (see conversation_log::open) and brings its schema up to date.
result<std::unique_ptr<database>> open_database(const std::string& where, const open_options& o);

// The record's topics as the JSON array stored in questions.topics: ["routine","water"]. Appends
// to `out`, so a writer can reuse one buffer.
void append_topics_json(std::string& out, const std::vector<std::string>& topics);

inline std::int64_t to_millis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace advisor::store::detail
