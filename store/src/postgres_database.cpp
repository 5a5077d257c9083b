// The log on PostgreSQL: several servers behind a load balancer share one log.

#include <libpq-fe.h>

#include <charconv>
#include <string>

#include "database.hpp"

namespace advisor::store::detail {
namespace {

// Serialises migrations of servers that start together (any fixed 64-bit number; this one is
// "advisor" in ASCII).
constexpr const char* migration_lock = "SELECT pg_advisory_xact_lock(107060098779506)";

std::string text_of(const param& p) {
  if (auto i = std::get_if<std::int64_t>(&p)) return std::to_string(*i);
  if (auto d = std::get_if<double>(&p)) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *d);  // shortest exact form
    return ec == std::errc() ? std::string(buf, end) : std::string("0");
  }
  return std::get<std::string>(p);
}

// A PostgreSQL array literal: {"a","b"}, each element quoted with " and \ escaped.
std::string array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string trim_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class postgres_database final : public database {
 public:
  postgres_database(PGconn* conn, std::chrono::milliseconds statement_timeout)
      : conn_(conn), statement_timeout_(statement_timeout) {}
  ~postgres_database() override { PQfinish(conn_); }
  postgres_database(const postgres_database&) = delete;
  postgres_database& operator=(const postgres_database&) = delete;

  dialect kind() const override { return dialect::postgres; }

  status setup() {
    // Quiet NOTICEs ("relation already exists, skipping") and bound every statement, so a stuck
    // database fails a batch instead of holding the writer forever.
    return exec("SET client_min_messages = warning; SET statement_timeout = " +
                std::to_string(statement_timeout_.count()));
  }

  status exec(const std::string& sql) override {
    PGresult* res = PQexec(conn_, sql.c_str());
    return finish(res);
  }

  result<std::vector<row>> query(const std::string& sql, const std::vector<param>& params) override {
    std::vector<std::string> texts;
    texts.reserve(params.size());
    for (const auto& p : params) texts.push_back(text_of(p));
    std::vector<const char*> values;
    for (const auto& t : texts) values.push_back(t.c_str());
    PGresult* res = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                 nullptr, nullptr, 0);
    auto st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return finish(res);
    std::vector<row> rows;
    const int n = PQntuples(res), cols = PQnfields(res);
    rows.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      row r;
      r.reserve(static_cast<std::size_t>(cols));
      for (int c = 0; c < cols; ++c)
        r.emplace_back(PQgetvalue(res, i, c), static_cast<std::size_t>(PQgetlength(res, i, c)));
      rows.push_back(std::move(r));
    }
    PQclear(res);
    return rows;
  }

  status begin_exclusive() override {
    if (auto s = exec("BEGIN"); !s) return s;
    // A migration may take longer than a batch's statement_timeout on a big table.
    if (auto s = exec(std::string("SET LOCAL statement_timeout = 0; ") + migration_lock); !s) {
      (void)exec("ROLLBACK");
      return s;
    }
    return {};
  }

  status insert(const std::vector<question_record>& batch) override {
    if (!prepared_) {
      // One round trip per question: the question row and its topics in one statement.
      PGresult* res = PQprepare(conn_, "advisor_insert_question",
                                "WITH q AS (INSERT INTO questions (at_ms, conversation, question, confidence, fallback, "
                                "knowledge_version) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id) "
                                "INSERT INTO answer_topics (question_id, ordinal, topic) "
                                "SELECT q.id, t.n - 1, t.topic FROM q, unnest($7::text[]) WITH ORDINALITY AS t (topic, n)",
                                7, nullptr);
      if (auto s = finish(res); !s) return s;
      prepared_ = true;
    }
    if (auto s = exec("BEGIN"); !s) return s;
    for (const auto& r : batch) {
      const std::string at = std::to_string(to_millis(r.at)), confidence = text_of(r.confidence),
                        topics = array_literal(r.topics);
      const char* values[7] = {at.c_str(),         r.conversation.c_str(), r.question.c_str(),
                               confidence.c_str(), r.fallback ? "1" : "0", r.knowledge_version.c_str(),
                               topics.c_str()};
      PGresult* res = PQexecPrepared(conn_, "advisor_insert_question", 7, values, nullptr, nullptr, 0);
      if (auto s = finish(res); !s) {
        (void)exec("ROLLBACK");
        return s;
      }
    }
    return exec("COMMIT");
  }

  bool recover() override {
    if (PQstatus(conn_) == CONNECTION_OK) {
      if (PQtransactionStatus(conn_) != PQTRANS_IDLE) (void)exec("ROLLBACK");
      return true;
    }
    // The server went away (restart, failover): connect again; prepared statements are gone.
    PQreset(conn_);
    prepared_ = false;
    return PQstatus(conn_) == CONNECTION_OK && setup().ok();
  }

 private:
  status finish(PGresult* res) {
    auto st = PQresultStatus(res);
    std::string message;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
      message = trim_newline(res ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
    PQclear(res);
    if (message.empty() && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
      message = "PostgreSQL error";
    return message.empty() ? status() : status::error(message);
  }

  PGconn* conn_;
  std::chrono::milliseconds statement_timeout_;
  bool prepared_ = false;
};

}  // namespace

result<std::unique_ptr<database>> open_postgres(const std::string& url, const open_options& o) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = trim_newline(PQerrorMessage(conn));
    PQfinish(conn);
    return status::error("cannot connect to " + redact(url) + ": " + message);
  }
  auto db = std::make_unique<postgres_database>(conn, o.busy_timeout);
  if (auto s = db->setup(); !s) return status::error("cannot set up the connection to " + redact(url) + ": " + s.message());
  return std::unique_ptr<database>(std::move(db));
}

}  // namespace advisor::store::detail
