#include "server_handler.hpp"

#include "advisor/store/report.hpp"
#include "advisor/store/report_page.hpp"

namespace advisor::app {
namespace {

bool same_secret(std::string_view given, const std::string& secret) {
  // Every byte is looked at whatever the first difference: no early exit for timing to show.
  unsigned char diff = given.size() == secret.size() ? 0 : 1;
  for (std::size_t i = 0; i < secret.size(); ++i)
    diff |= static_cast<unsigned char>(secret[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

// The value of `name` in a query string, percent-decoded ("" when absent).
std::string query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = part.find('=');
    if (eq == std::string_view::npos || part.substr(0, eq) != name) continue;
    std::string out;
    const auto value = part.substr(eq + 1);
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '%' && i + 2 < value.size() && hex(value[i + 1]) >= 0 && hex(value[i + 2]) >= 0) {
        out += static_cast<char>(hex(value[i + 1]) * 16 + hex(value[i + 2]));
        i += 2;
      } else {
        out += value[i] == '+' ? ' ' : value[i];
      }
    }
    return out;
  }
  return {};
}

transport::page text_page(unsigned status, std::string text) {
  transport::page p;
  p.status = status;
  p.content_type = "text/plain; charset=utf-8";
  p.body = std::move(text) + "\n";
  return p;
}

}  // namespace

bool carries_token(const transport::page_request& r, const std::string& token) {
  if (token.empty()) return false;
  constexpr std::string_view bearer = "Bearer ";
  if (r.authorization.substr(0, bearer.size()) == bearer && same_secret(r.authorization.substr(bearer.size()), token))
    return true;
  return same_secret(query_value(r.query, "token"), token);
}

server_handler::server_handler(engine_handler& answers, store::conversation_log* log, report_page_options report)
    : answers_(answers), log_(log), report_(std::move(report)) {
  if (log_) {
    answers_.on_answer([log = log_](const answered& a) {
      // A full queue drops it (counted): the answer never waits.
      log->record_copy(store::question_view{std::chrono::system_clock::now(), a.question, a.topics, a.confidence,
                                       a.fallback, a.knowledge_version, a.conversation});
    });
  }
}

void server_handler::write_metrics(std::string& out) {
  answers_.write_metrics(out);
  if (!log_) return;
  const auto s = log_->stats();
  out += "# HELP advisor_conversation_log_records_total Answered questions for the conversation log, by outcome.\n"
         "# TYPE advisor_conversation_log_records_total counter\n"
         "advisor_conversation_log_records_total{outcome=\"written\"} " + std::to_string(s.written) + "\n"
         "advisor_conversation_log_records_total{outcome=\"dropped\"} " + std::to_string(s.dropped) + "\n"
         "advisor_conversation_log_records_total{outcome=\"failed\"} " + std::to_string(s.failed) + "\n"
         "# HELP advisor_conversation_log_queued Records waiting for the log's writer.\n"
         "# TYPE advisor_conversation_log_queued gauge\n"
         "advisor_conversation_log_queued " + std::to_string(s.queued) + "\n";
}

std::optional<transport::page> server_handler::get(const transport::page_request& r) {
  if (r.path != "/report" || report_.token.empty() || report_.db.empty()) return std::nullopt;
  if (!carries_token(r, report_.token)) {
    auto p = text_page(401, "the report needs the owner's token: /report?token=... or Authorization: Bearer ...");
    p.www_authenticate = "Bearer";
    return p;
  }
  auto report = store::read_report(report_.db);
  if (!report) return text_page(503, "the conversation log can't be read: " + report.error().message());
  transport::page p;
  p.body = store::render_report_page(*report);
  p.content_security_policy = std::string(store::report_page_csp);
  return p;
}

}  // namespace advisor::app
