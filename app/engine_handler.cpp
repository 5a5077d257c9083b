#include "engine_handler.hpp"

#include <ctime>

#include "advisor/loader/knowledge_dir.hpp"

namespace advisor::app {
namespace fs = std::filesystem;

namespace {

std::string hash_sources(const std::vector<engine::knowledge_source>& sources) {
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&](std::string_view s) {
    for (char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // a separator, so "ab"+"c" and "a"+"bc" differ
    h *= 1099511628211ull;
  };
  for (const auto& s : sources) {
    mix(fs::path(s.name).filename().string());
    mix(s.text);
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (int shift = 44; shift >= 0; shift -= 4) out += digits[(h >> shift) & 0xFu];
  return out;
}

std::string iso8601(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string escape_label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

engine_handler::knowledge::knowledge(std::shared_ptr<const engine::rule_base> base, std::string v)
    : responder(std::move(base)), version(std::move(v)), loaded_at(std::chrono::system_clock::now()) {
  auto greeting = responder.hello();
  hello = {{"version", version}, {"text", greeting.text}, {"suggestions", greeting.suggestions}};
  // How to reach a person ({"phone": ..., "name": ...}), for the chat's call button.
  if (!greeting.contact.empty()) {
    auto& contact = hello["contact"] = nlohmann::json::object();
    for (const auto& [name, value] : greeting.contact) contact[name] = value;
  }
}

engine_handler::engine_handler(fs::path knowledge_dir, std::shared_ptr<spdlog::logger> log)
    : dir_(std::move(knowledge_dir)), log_(std::move(log)) {}

std::vector<engine::diagnostic> engine_handler::reload() {
  std::lock_guard lock(reload_mutex_);
  // Taken before reading, so an edit made while we compile is seen by the next poll.
  loaded_fingerprint_ = fingerprint();
  pending_fingerprint_.clear();
  const auto started = std::chrono::steady_clock::now();
  auto sources = loader::read_knowledge_dir(dir_);
  std::vector<engine::diagnostic> errors;
  if (sources) {
    auto base = engine::compile_knowledge(*sources);
    if (base) {
      auto fresh = std::make_shared<const knowledge>(*base, hash_sources(*sources));
      const auto previous = current_.load();
      current_.store(fresh);
      reloads_ok_.fetch_add(1, std::memory_order_relaxed);
      const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      log_->info("knowledge {} version={} rules={} files={} in {:.1f} ms", previous ? "reloaded" : "loaded",
                 fresh->version, (*base)->rule_count(), sources->size(), ms);
      for (const auto& w : (*base)->warnings()) log_->debug("knowledge warning: {}", w.to_string());
      return {};
    }
    errors = base.errors();
  } else {
    errors = sources.errors();
  }
  reloads_failed_.fetch_add(1, std::memory_order_relaxed);
  std::size_t n = 0;
  for (const auto& d : errors) {
    if (d.level != engine::severity::error) continue;
    ++n;
    // One line per error, file:line:col first, so editors and log search find it.
    log_->error("knowledge error: {}:{}:{}: {} [{}]{}", d.file, d.line, d.column, d.message, d.code,
                d.hint.empty() ? "" : " hint: " + d.hint);
  }
  const auto current = current_.load();
  log_->error("knowledge {} failed with {} error(s); {}", current ? "reload" : "load", n,
              current ? "still answering with version " + current->version : "nothing loaded");
  return errors;
}

bool engine_handler::poll() {
  {
    std::lock_guard lock(reload_mutex_);
    const std::string now = fingerprint();
    if (now == loaded_fingerprint_) {
      pending_fingerprint_.clear();
      return false;
    }
    // Changed: wait until it holds still for one interval, so a half-saved file is not loaded.
    if (now != pending_fingerprint_) {
      pending_fingerprint_ = now;
      return false;
    }
  }
  log_->info("knowledge files changed: reloading");
  reload();
  return true;
}

std::string engine_handler::fingerprint() const {
  std::string out;
  std::error_code ec;
  for (const auto& f : loader::knowledge_files(dir_)) {
    const auto mtime = fs::last_write_time(f, ec).time_since_epoch().count();
    const auto size = fs::file_size(f, ec);
    out += f.string() + '\0' + std::to_string(mtime) + '\0' + std::to_string(ec ? 0 : size) + '\n';
  }
  return out;
}

std::string engine_handler::version() const {
  const auto k = current_.load();
  return k ? k->version : std::string();
}

nlohmann::json engine_handler::hello() {
  const auto k = current_.load();
  if (!k) return {{"version", ""}, {"suggestions", nlohmann::json::array()}};
  return k->hello;
}

nlohmann::json engine_handler::ask(const transport::question& q) {
  // Held for the whole answer: a reload meanwhile does not pull the knowledge from under it.
  const auto k = current_.load();
  if (!k) throw std::runtime_error("no knowledge loaded");
  const auto context = engine::conversation_context::from_json(q.context);
  const auto a = k->responder.ask(q.text, context);
  // Visitors' words are personal: they go to the log at debug level only.
  if (log_->should_log(spdlog::level::debug)) {
    std::string topics;
    for (const auto& t : a.topics) topics += (topics.empty() ? "" : ",") + t;
    log_->debug("question id={} text={} topics={}", q.id,
                nlohmann::json(std::string(q.text.substr(0, 200))).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                topics);
  }
  if (a.rules.size() == 1 && a.rules.front().empty()) fallbacks_.fetch_add(1, std::memory_order_relaxed);
  if (a.clarifying) clarifications_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(topics_mutex_);
    for (const auto& t : a.topics) ++answers_by_topic_[t];
  }
  return a.to_json();
}

nlohmann::json engine_handler::health() {
  const auto k = current_.load();
  if (!k) return {{"knowledge", nullptr}};
  return {{"knowledge",
           {{"version", k->version},
            {"loaded_at", iso8601(k->loaded_at)},
            {"rules", k->responder.base().rule_count()}}}};
}

void engine_handler::write_metrics(std::string& out) {
  out += "# HELP advisor_answers_by_topic_total Topics in the answers sent (an answer may have several).\n"
         "# TYPE advisor_answers_by_topic_total counter\n";
  {
    std::lock_guard lock(topics_mutex_);
    for (const auto& [topic, n] : answers_by_topic_)
      out += "advisor_answers_by_topic_total{topic=\"" + escape_label(topic) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP advisor_fallbacks_total Answers where no rule matched (the fallback topic).\n"
         "# TYPE advisor_fallbacks_total counter\n"
         "advisor_fallbacks_total " + std::to_string(fallbacks_.load()) + "\n";
  out += "# HELP advisor_clarifications_total Answers that asked which of two readings was meant.\n"
         "# TYPE advisor_clarifications_total counter\n"
         "advisor_clarifications_total " + std::to_string(clarifications_.load()) + "\n";
  out += "# HELP advisor_knowledge_reloads_total Knowledge loads and reloads, by outcome.\n"
         "# TYPE advisor_knowledge_reloads_total counter\n"
         "advisor_knowledge_reloads_total{outcome=\"ok\"} " + std::to_string(reloads_ok_.load()) + "\n"
         "advisor_knowledge_reloads_total{outcome=\"failed\"} " + std::to_string(reloads_failed_.load()) + "\n";
  if (const auto k = current_.load()) {
    out += "# HELP advisor_knowledge_loaded_timestamp_seconds When the running knowledge was loaded.\n"
           "# TYPE advisor_knowledge_loaded_timestamp_seconds gauge\n"
           "advisor_knowledge_loaded_timestamp_seconds " +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(k->loaded_at.time_since_epoch()).count()) +
           "\n";
    out += "# HELP advisor_knowledge_info The running knowledge's version.\n"
           "# TYPE advisor_knowledge_info gauge\n"
           "advisor_knowledge_info{version=\"" + k->version + "\"} 1\n";
  }
}

}  // namespace advisor::app
