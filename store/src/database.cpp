#include "database.hpp"

#include <random>

#include "migrations.hpp"

namespace advisor::store {

bool is_postgres_url(const std::string& where) {
  return where.rfind("postgresql://", 0) == 0 || where.rfind("postgres://", 0) == 0;
}

std::string redact(const std::string& where) {
  if (!is_postgres_url(where)) return where;
  std::string out = where;
  // scheme://user:password@host/...: the password runs from the first ':' after the scheme to
  // the last '@' before the path.
  const auto start = out.find("://") + 3;
  const auto slash = out.find_first_of("/?", start);
  const auto at = out.rfind('@', slash);
  const auto colon = out.find(':', start);
  if (at != std::string::npos && at >= start && colon < at) out = out.substr(0, colon + 1) + "***" + out.substr(at);
  // ...or a password=... query parameter.
  for (auto p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    const auto value = p + 9, end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  return out;
}

std::string random_conversation_id() {
  // Seeded once per thread from the system's entropy; ids need to be unguessable across
  // conversations, not secret keys.
  thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int half = 0; half < 2; ++half) {
    auto bits = rng();
    for (int i = 0; i < 16; ++i, bits >>= 4) out[static_cast<std::size_t>(half * 16 + i)] = hex[bits & 15];
  }
  return out;
}

namespace detail {

void append_topics_json(std::string& out, const std::vector<std::string>& topics) {
  out += '[';
  bool first = true;
  for (const auto& t : topics) {
    if (!first) out += ',';
    first = false;
    out += '"';
    for (char c : t) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        static constexpr char hex[] = "0123456789abcdef";
        out += "\\u00";
        out += hex[(c >> 4) & 0xF];
        out += hex[c & 0xF];
      } else {
        out += c;
      }
    }
    out += '"';
  }
  out += ']';
}

result<std::unique_ptr<database>> open_database(const std::string& where, const open_options& o) {
  auto db = is_postgres_url(where) ? open_postgres(where, o) : open_sqlite(where, o);
  if (!db) return db;
  if (auto s = migrate(**db); !s) return status::error(redact(where) + ": " + s.message());
  return db;
}

}  // namespace detail
}  // namespace advisor::store
