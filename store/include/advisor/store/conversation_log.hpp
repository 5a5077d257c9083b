#pragma once
// The conversation log: what visitors asked and how the assistant answered, written to SQLite (a
// file, the default) or PostgreSQL (several servers sharing one log) without ever slowing an answer.
//
//   auto log = store::conversation_log::open("advisor.db", {});
//   if (!log) return fail(log.error().message());
//   (*log)->record({std::chrono::system_clock::now(), "can i pop milia", {"extraction-risk"}, 0.9,
//                   false, "0425a7719b41", conversation_id});
//
// record() only moves the record into a bounded in-memory queue; one writer thread owns the
// database connection and writes the queue in batches, one transaction per batch. When the queue
// is full the record is dropped and counted: an answer is never delayed by the log. Nothing that
// identifies a visitor is stored (no address, cookie or user agent); the conversation id is random.
//
// Thread-safety: record(), stats() and flush() may be called from any thread at once.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "advisor/store/result.hpp"

namespace advisor::store {

// One answered question.
struct question_record {
  std::chrono::system_clock::time_point at;
  std::string question;  // the normalized text; not stored when log_options::store_questions is off
  std::vector<std::string> topics;  // most relevant first
  double confidence = 0;
  bool fallback = false;  // the assistant did not understand and said so
  std::string knowledge_version;
  std::string conversation;  // random id shared by the turns of one conversation
};

// The same, as views of the answerer's own strings (valid for the call only): record_copy() copies
// them into a queue slot whose buffers earlier records left, so a busy server allocates nothing
// per answer and its writer frees nothing.
struct question_view {
  std::chrono::system_clock::time_point at;
  std::string_view question;
  std::span<const std::string> topics;
  double confidence = 0;
  bool fallback = false;
  std::string_view knowledge_version;
  std::string_view conversation;
};

struct log_options {
  std::size_t queue_capacity = 10000;  // records waiting for the writer; more are dropped
  bool store_questions = true;         // off: the text is blanked before it is even queued
  std::chrono::hours retention{24 * 90};  // older rows are deleted (zero: kept forever)...
  std::chrono::hours retention_every{24};  // ...at open and then this often (zero: only at open)
  // How long a write waits for a database another process holds locked (SQLite), or for a
  // statement (PostgreSQL), before the batch counts as failed.
  std::chrono::milliseconds busy_timeout{5000};
  // How long the destructor keeps writing what is still queued; the rest is dropped and counted.
  std::chrono::milliseconds drain_timeout{5000};
  // Called on the writer thread when a batch or a retention pass fails (e.g. to log it). It must
  // not throw and must not call back into the log.
  std::function<void(const std::string& message)> on_error;
};

// "postgresql://..." or "postgres://..." is a PostgreSQL connection URL (libpq's syntax, e.g.
// postgresql://advisor:secret@db.internal:5432/advisor); anything else is a SQLite file path.
bool is_postgres_url(const std::string& where);

// `where` fit for a log line or an error message: a URL's password is replaced by "***".
std::string redact(const std::string& where);

// 128 random bits as 32 hex digits, for question_record::conversation.
std::string random_conversation_id();

class conversation_log {
 public:
  // Opens the database (a SQLite file is created if missing, in WAL mode), applies the schema
  // migrations it lacks, deletes rows older than the retention, and starts the writer thread.
  // Errors: the database cannot be opened or reached, a migration failed, or the database was
  // written by a newer advisor (its schema version is unknown here).
  static result<std::unique_ptr<conversation_log>> open(const std::string& where, log_options options);

  // Queues the record for writing. Never waits for the database: O(1), no allocation (the record
  // is moved into a preallocated slot). False when the queue is full; the record is then dropped
  // and counted in stats().dropped.
  bool record(question_record r) noexcept;
  // The same for an answer whose strings live elsewhere: copies them into the slot's buffers, so
  // nothing is allocated once the slots have held answers as long. Also drops (and counts) the
  // record if memory runs out. This is what a server calls after each answer.
  bool record_copy(const question_view& v) noexcept;

  struct counters {
    std::uint64_t written = 0;  // rows committed
    std::uint64_t dropped = 0;  // refused by a full queue, or left when the drain timed out
    std::uint64_t failed = 0;   // lost in a batch the database refused
    std::size_t queued = 0;     // waiting for the writer now
  };
  counters stats() const;

  // Waits until every record queued before the call is written (or has failed). For tests and
  // shutdown; a server never calls it while answering.
  void flush();

  // Writes what is still queued (for at most drain_timeout), then stops the writer.
  ~conversation_log();

  conversation_log(const conversation_log&) = delete;
  conversation_log& operator=(const conversation_log&) = delete;

 private:
  struct impl;  // the queue and the writer thread, in conversation_log.cpp
  explicit conversation_log(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace advisor::store
