#include "metrics.hpp"

#include <cstdio>

namespace advisor::transport {
namespace {

void counter(std::string& out, const char* name, const char* help, std::uint64_t v, const char* type = "counter") {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  out += std::to_string(v);
  out += '\n';
}

std::string format_bound(double b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", b);
  return buf;
}

}  // namespace

void metrics::count_error(std::string_view code) {
  std::lock_guard lock(errors_mutex_);
  auto it = errors_.find(code);
  if (it == errors_.end()) it = errors_.emplace(std::string(code), 0).first;
  ++it->second;
}

void metrics::observe_latency(std::chrono::steady_clock::duration d) {
  const double seconds = std::chrono::duration<double>(d).count();
  std::size_t i = 0;
  while (i < latency_bounds.size() && seconds > latency_bounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  latency_sum_ns_.fetch_add(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()),
                            std::memory_order_relaxed);
}

void metrics::write(std::string& out) const {
  counter(out, "advisor_connections_open", "Open TCP connections (HTTP and WebSocket).", connections_open.load(),
          "gauge");
  counter(out, "advisor_connections_total", "TCP connections accepted.", connections_total.load());
  counter(out, "advisor_connections_rejected_total", "Connections refused by the total or per-IP limit.",
          connections_rejected.load());
  counter(out, "advisor_websockets_open", "Open chat WebSockets.", websockets_open.load(), "gauge");
  counter(out, "advisor_websockets_total", "Chat WebSockets opened.", websockets_total.load());
  counter(out, "advisor_http_requests_total", "HTTP requests read.", http_requests.load());
  counter(out, "advisor_forbidden_origins_total", "WebSocket handshakes refused for their Origin.",
          forbidden_origins.load());
  counter(out, "advisor_questions_total", "Questions handed to the engine.", questions.load());
  counter(out, "advisor_answers_total", "Answers sent.", answers.load());
  counter(out, "advisor_clients_dropped_total", "Connections dropped for not reading their answers.",
          clients_dropped.load());

  out += "# HELP advisor_errors_total Refused messages by code: error frames, and too_big for a close (1009).\n# TYPE advisor_errors_total counter\n";
  {
    std::lock_guard lock(errors_mutex_);
    for (const auto& [code, n] : errors_) out += "advisor_errors_total{code=\"" + code + "\"} " + std::to_string(n) + "\n";
  }

  out += "# HELP advisor_answer_latency_seconds Time from a question's arrival to its answer being queued.\n"
         "# TYPE advisor_answer_latency_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < latency_bounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += "advisor_answer_latency_seconds_bucket{le=\"" + format_bound(latency_bounds[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  cumulative += buckets_[latency_bounds.size()].load(std::memory_order_relaxed);
  out += "advisor_answer_latency_seconds_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  char sum[64];
  std::snprintf(sum, sizeof sum, "%.9f", static_cast<double>(latency_sum_ns_.load()) / 1e9);
  out += std::string("advisor_answer_latency_seconds_sum ") + sum + "\n";
  // The +Inf bucket doubles as the count, so the two always agree even while others write.
  out += "advisor_answer_latency_seconds_count " + std::to_string(cumulative) + "\n";
}

}  // namespace advisor::transport
