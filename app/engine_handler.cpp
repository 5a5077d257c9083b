#include "engine_handler.hpp"

#include <ctime>
#include <random>

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

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// What decides an answer besides the knowledge: the text and the context, except the turn number
// (it is only counted on) and the conversation id. Every string is prefixed with its length and
// every list with its size, so two different questions never make the same key: the strings may
// hold any byte (control characters in a text, a forged context), so separators alone could not
// tell "a\x1f" + "" from "a" + "\x1f".
void cache_key(std::string& key, std::string_view text, const engine::conversation_context& c) {
  key.clear();
  const auto field = [&key](std::string_view s) {
    (key += std::to_string(s.size())) += ':';
    key.append(s);
  };
  field(text);
  field(c.intent);
  (key += std::to_string(c.topics.size())) += '#';
  for (const auto& t : c.topics) field(t);
  (key += std::to_string(c.entities.size())) += '#';
  for (const auto& e : c.entities) {
    field(e.type);
    field(e.value);
    (key += std::to_string(e.age)) += ';';
  }
  key += c.disclaimed ? 'd' : 'n';
}

// The answer's wire members, with the context object left open at the end: ask() appends the turn
// and the conversation id, which differ between askers of the same cached answer.
std::string open_members(const engine::answer& a) {
  nlohmann::json members = a.to_json();
  nlohmann::json context = std::move(members["context"]);
  members.erase("context");
  context.erase("turn");
  context.erase("conversation");
  std::string out = dump(members);
  out.pop_back();  // '}'
  out += R"(,"context":)";
  std::string inner = dump(context);
  inner.pop_back();  // '}': the context always has members (intent, topics, ...), so a ',' may follow
  return out += inner;
}

bool valid_conversation_id(const std::string& s) {
  return s.size() == 16 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// A conversation's id: random, so it says nothing about the visitor, and new on the first turn.
std::string new_conversation_id() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char digits[] = "0123456789abcdef";
  std::uint64_t r = random();
  std::string out(16, '0');
  for (auto& c : out) {
    c = digits[r & 0xFu];
    r >>= 4;
  }
  return out;
}

}  // namespace

engine_handler::knowledge::knowledge(std::shared_ptr<const engine::rule_base> base, std::string v,
                                     std::size_t cache_entries)
    : responder(std::move(base)),
      version(std::move(v)),
      loaded_at(std::chrono::system_clock::now()),
      cache(cache_entries) {
  auto greeting = responder.hello();
  hello = {{"version", version}, {"text", greeting.text}, {"suggestions", greeting.suggestions}};
  // How to reach a person ({"phone": ..., "name": ...}), for the chat's call button.
  if (!greeting.contact.empty()) {
    auto& contact = hello["contact"] = nlohmann::json::object();
    for (const auto& [name, value] : greeting.contact) contact[name] = value;
  }
}

engine_handler::engine_handler(fs::path knowledge_dir, std::shared_ptr<spdlog::logger> log,
                               engine_handler_options options)
    : dir_(std::move(knowledge_dir)), log_(std::move(log)), options_(options) {}

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
      auto fresh = std::make_shared<const knowledge>(*base, hash_sources(*sources), options_.answer_cache_entries);
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

std::string engine_handler::ask(const transport::question& q) {
  // Held for the whole answer: a reload meanwhile does not pull the knowledge from under it.
  const auto k = current_.load();
  if (!k) throw std::runtime_error("no knowledge loaded");
  const auto context = engine::conversation_context::parse(q.context);
  const auto a = answer(*k, q, context);
  count(*a);

  const std::string conversation =
      valid_conversation_id(context.conversation) ? context.conversation : new_conversation_id();
  std::string out;
  out.reserve(a->members.size() + 64);
  out += a->members;
  out += R"(,"turn":)";
  out += std::to_string(context.turn + 1);
  out += R"(,"conversation":")";
  out += conversation;
  out += "\"}}";

  // Visitors' words are personal: they go to the log at debug level only.
  if (log_->should_log(spdlog::level::debug)) {
    std::string topics;
    for (const auto& t : a->topics) topics += (topics.empty() ? "" : ",") + t;
    log_->debug("question id={} text={} topics={}", q.id, dump(std::string(q.text.substr(0, 200))), topics);
  }
  if (observer_)
    observer_({a->normalized, a->topics, a->confidence, a->fallback, k->version, conversation});
  return out;
}

std::shared_ptr<const cached_answer> engine_handler::answer(const knowledge& k, const transport::question& q,
                                                            const engine::conversation_context& context) {
  thread_local std::string key;
  if (k.cache.enabled()) {
    cache_key(key, q.text, context);
    if (auto hit = k.cache.find(key)) {
      cache_hits_.fetch_add(1, std::memory_order_relaxed);
      return hit;
    }
    cache_misses_.fetch_add(1, std::memory_order_relaxed);
  }
  const auto a = k.responder.ask(q.text, context);
  auto fresh = std::make_shared<cached_answer>();
  fresh->members = open_members(a);
  fresh->normalized = a.normalized;
  fresh->topics = a.topics;
  for (const auto& t : a.topics) fresh->topic_counters.push_back(topic_counter(t));
  fresh->confidence = a.confidence;
  fresh->fallback = a.rules.size() == 1 && a.rules.front().empty();
  fresh->clarifying = a.clarifying;
  if (k.cache.enabled()) k.cache.insert(key, fresh);
  return fresh;
}

void engine_handler::count(const cached_answer& a) {
  if (a.fallback) fallbacks_.fetch_add(1, std::memory_order_relaxed);
  if (a.clarifying) clarifications_.fetch_add(1, std::memory_order_relaxed);
  for (auto* counter : a.topic_counters) counter->fetch_add(1, std::memory_order_relaxed);
}

std::atomic<std::uint64_t>* engine_handler::topic_counter(const std::string& topic) {
  std::lock_guard lock(topics_mutex_);
  auto& counter = answers_by_topic_[topic];
  if (!counter) counter = std::make_unique<std::atomic<std::uint64_t>>(0);
  return counter.get();
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
      out += "advisor_answers_by_topic_total{topic=\"" + escape_label(topic) + "\"} " + std::to_string(n->load()) + "\n";
  }
  out += "# HELP advisor_fallbacks_total Answers where no rule matched (the fallback topic).\n"
         "# TYPE advisor_fallbacks_total counter\n"
         "advisor_fallbacks_total " + std::to_string(fallbacks_.load()) + "\n";
  out += "# HELP advisor_clarifications_total Answers that asked which of two readings was meant.\n"
         "# TYPE advisor_clarifications_total counter\n"
         "advisor_clarifications_total " + std::to_string(clarifications_.load()) + "\n";
  out += "# HELP advisor_answer_cache_total Answers taken from the answer cache (hit) or computed (miss).\n"
         "# TYPE advisor_answer_cache_total counter\n"
         "advisor_answer_cache_total{result=\"hit\"} " + std::to_string(cache_hits_.load()) + "\n"
         "advisor_answer_cache_total{result=\"miss\"} " + std::to_string(cache_misses_.load()) + "\n";
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
