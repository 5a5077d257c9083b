// The log on PostgreSQL: several servers behind a load balancer share one log.

#include <libpq-fe.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

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

// Appends `text` as valid UTF-8 without NUL bytes, which PostgreSQL's text refuses (one bad
// question must not lose its whole batch): an invalid byte becomes U+FFFD, a NUL is dropped.
void append_text(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n > 0 && i + n <= text.size();
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (ok && n > 1) {
      // No overlong forms, surrogates or code points past U+10FFFF.
      std::uint32_t cp = c & (0xFF >> (n + 1));
      for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
      constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= smallest[n] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    }
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      if (c != 0) out.append(text.substr(i, n));
      i += n;
    }
  }
}

// A PostgreSQL array literal of one column of the batch: {"a","b"} for text (quoted, quotes and
// backslashes escaped), {1,2} for numbers.
template <class F>
std::string array_of(const std::vector<const question_record*>& batch, F&& item) {
  std::string out = "{";
  for (const auto* r : batch) {
    if (out.size() > 1) out += ',';
    item(out, *r);
  }
  return out + "}";
}

void append_quoted(std::string& out, std::string_view text) {
  std::string clean;
  append_text(clean, text);
  out += '"';
  for (char c : clean) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
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

  status insert(const std::vector<const question_record*>& batch) override {
    if (!prepared_) {
      // The whole batch in one statement, one round trip: each column of the batch is an array.
      // Ids are drawn in the batch's order.
      PGresult* res = PQprepare(
          conn_, "advisor_insert_batch",
          "INSERT INTO questions (at_ms, conversation, question, confidence, fallback, knowledge_version, topics)"
          " SELECT at_ms, conversation, question, confidence, fallback, knowledge_version, topics"
          " FROM unnest($1::bigint[], $2::text[], $3::text[], $4::float8[], $5::smallint[], $6::text[], $7::text[])"
          "      WITH ORDINALITY AS r (at_ms, conversation, question, confidence, fallback, knowledge_version, topics, n)"
          " ORDER BY n",
          7, nullptr);
      if (auto s = finish(res); !s) return s;
      prepared_ = true;
    }
    const std::string columns[7] = {
        array_of(batch, [](std::string& o, const question_record& r) { o += std::to_string(to_millis(r.at)); }),
        array_of(batch, [](std::string& o, const question_record& r) { append_quoted(o, r.conversation); }),
        array_of(batch, [](std::string& o, const question_record& r) { append_quoted(o, r.question); }),
        array_of(batch, [](std::string& o, const question_record& r) { o += text_of(r.confidence); }),
        array_of(batch, [](std::string& o, const question_record& r) { o += r.fallback ? '1' : '0'; }),
        array_of(batch, [](std::string& o, const question_record& r) { append_quoted(o, r.knowledge_version); }),
        array_of(batch, [](std::string& o, const question_record& r) { 
          std::string json;
          append_topics_json(json, r.topics);
          append_quoted(o, json);
        })};
    const char* values[7];
    for (int i = 0; i < 7; ++i) values[i] = columns[i].c_str();
    // One statement is one transaction: the batch is written whole or not at all.
    return finish(PQexecPrepared(conn_, "advisor_insert_batch", 7, values, nullptr, nullptr, 0));
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
