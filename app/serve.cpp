// `advisor serve`: the chat server. Reads its settings from flags, ADVISOR_* environment variables
// and an optional config file (in that order of precedence), loads the knowledge, and runs the
// transport with an engine_handler. A supervisor thread takes the signals: SIGHUP reloads the
// knowledge, SIGINT/SIGTERM stop the server gracefully; between signals it polls the knowledge
// files for changes.

#include <pthread.h>
#include <signal.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <system_error>
#include <thread>

#include "advisor/transport/server.hpp"
#include "command_line.hpp"
#include "commands.hpp"
#include "advisor/store/conversation_log.hpp"
#include "engine_handler.hpp"
#include "server_handler.hpp"

namespace advisor::app {
namespace {

struct option_spec {
  const char* name;
  const char* value;  // placeholder in --help; nullptr for a switch
  const char* help;
  const char* fallback;
};

// Every setting, with its default. The environment variable is ADVISOR_ + the name in upper case
// with '_' for '-', and a config file line is `name = value`.
const std::vector<option_spec>& options() {
  static const std::vector<option_spec> specs = {
      {"host", "ADDR", "address to listen on", "127.0.0.1"},
      {"port", "N", "port to listen on (0: any free port, logged at start)", "8080"},
      {"knowledge", "DIR", "knowledge folder", ""},
      {"web-root", "DIR", "folder served at / and /widget.js (the chat page and widget)", ""},
      {"allowed-origins", "A,B", "origins (scheme://host[:port]) whose pages may open the chat; the server's own "
                                 "origin is always allowed; * allows any",
       ""},
      {"allow-no-origin", "yes|no", "accept WebSocket handshakes without an Origin header (clients that are not "
                                    "browsers); no: browsers only",
       "yes"},
      {"threads", "N", "threads serving connections (0: one per core)", "0"},
      {"max-message-bytes", "N", "longest question message; longer ones get a too_long error", "4096"},
      {"rate", "N", "questions per second per connection (token bucket refill rate)", "2"},
      {"burst", "N", "questions a connection may save up (token bucket size)", "10"},
      {"max-connections", "N", "open connections in total; more are refused", "10000"},
      {"max-connections-per-ip", "N", "open connections per client address (0: no limit)", "32"},
      {"trusted-proxies", "A,B", "addresses exempt from the per-IP limit (a load balancer in front)", ""},
      {"handshake-timeout", "SECONDS", "time allowed for an HTTP request or WebSocket handshake", "10"},
      {"ping-interval", "SECONDS", "ping a silent WebSocket after this; drop it after twice this", "30"},
      {"idle-timeout", "SECONDS", "close a WebSocket that asks nothing for this long (0: never)", "600"},
      {"write-queue", "N", "replies queued per connection before a client that doesn't read is dropped", "64"},
      {"answer-cache", "N", "finished answers kept for repeated questions (0: none); emptied on reload", "4096"},
      {"db", "PATH|URL", "the conversation log: a SQLite file, a postgresql:// URL, or off (no log)", "advisor.db"},
      {"log-questions", "on|off", "store the question's text in the conversation log (off: only topics and figures)",
       "on"},
      {"log-retention-days", "N", "delete logged questions older than this, daily (0: keep them)", "90"},
      {"report-token", "SECRET", "serve the owner's report at /report?token=SECRET (none: no report page)", ""},
      {"reload-poll", "SECONDS", "how often to check the knowledge files for changes (0: only on SIGHUP)", "1"},
      {"log-level", "LEVEL", "debug, info, warn or error (questions' text is logged at debug only)", "info"},
      {"log-format", "FORMAT", "text, or json for one JSON object per line", "text"},
      {"config", "FILE", "read settings from FILE: `name = value` lines, # comments", ""},
  };
  return specs;
}

std::string env_name(std::string name) {
  std::string out = "ADVISOR_";
  for (char c : name) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string help_text() {
  std::string out =
      "usage: advisor serve [options]\n\n"
      "Serves the chat page, the widget and the /chat WebSocket on one port, with /healthz and /metrics.\n"
      "SIGHUP (or an edit of a knowledge file) reloads the knowledge; SIGINT/SIGTERM stop gracefully.\n\n"
      "options (each also as the environment variable shown, or as `name = value` in --config):\n";
  for (const auto& o : options()) {
    std::string flag = std::string("  --") + o.name + (o.value ? std::string(" ") + o.value : "");
    flag.resize(std::max<std::size_t>(flag.size() + 2, 34), ' ');
    out += flag + o.help;
    const std::string fallback = std::string(o.name) == "knowledge"  ? default_knowledge_dir()
                                 : std::string(o.name) == "web-root" ? std::string(ADVISOR_DEFAULT_WEB_ROOT)
                                                                     : o.fallback;
    if (!fallback.empty()) out += " (default: " + fallback + ")";
    out += "\n" + std::string(34, ' ') + env_name(o.name) + "\n";
  }
  return out;
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// `name = value` (or `name: value`) lines; # starts a comment line. Throws std::runtime_error with
// file:line on anything else.
std::map<std::string, std::string> read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("can't read config file " + path);
  std::map<std::string, std::string> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    const auto sep = line.find_first_of("=:");
    const std::string name = sep == std::string::npos ? line : trim(line.substr(0, sep));
    const bool known = std::any_of(options().begin(), options().end(),
                                   [&](const option_spec& o) { return name == o.name && name != "config"; });
    if (sep == std::string::npos || !known)
      throw std::runtime_error(path + ":" + std::to_string(n) + ": expected `name = value` with a known name, got: " +
                               line);
    out[name] = trim(line.substr(sep + 1));
  }
  return out;
}

class settings {
 public:
  explicit settings(std::map<std::string, std::string> values) : values_(std::move(values)) {}

  std::string text(const std::string& name) const { return values_.at(name); }

  std::vector<std::string> list(const std::string& name) const {
    std::vector<std::string> out;
    std::string item;
    for (char c : values_.at(name) + ",") {
      if (c != ',') {
        item += c;
        continue;
      }
      if (!trim(item).empty()) out.push_back(trim(item));
      item.clear();
    }
    return out;
  }

  double number(const std::string& name, double min, double max) const {
    const std::string& v = values_.at(name);
    double d = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
    if (ec != std::errc() || end != v.data() + v.size() || !(d >= min && d <= max))
      throw std::runtime_error("--" + name + ": expected a number from " + format(min) + " to " + format(max) +
                               ", got '" + v + "'");
    return d;
  }

  std::size_t count(const std::string& name, double min, double max) const {
    const double d = number(name, min, max);
    if (d != std::floor(d)) throw std::runtime_error("--" + name + ": expected a whole number, got '" + text(name) + "'");
    return static_cast<std::size_t>(d);
  }

  std::chrono::milliseconds seconds(const std::string& name, double min, double max) const {
    return std::chrono::milliseconds(static_cast<long long>(std::llround(number(name, min, max) * 1000)));
  }

 private:
  static std::string format(double d) {
    std::string s = std::to_string(d);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  std::map<std::string, std::string> values_;
};

// One JSON object per line: {"time": ..., "level": ..., "msg": ...}.
class json_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto t = std::chrono::system_clock::to_time_t(msg.time);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char time[40];
    const auto n = std::strftime(time, sizeof time, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(time + n, sizeof time - n, ".%03dZ", static_cast<int>(ms));
    const auto level = spdlog::level::to_string_view(msg.level);
    const nlohmann::json line = {{"time", time},
                                 {"level", std::string(level.data(), level.size())},
                                 {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<json_formatter>(); }
};

std::shared_ptr<spdlog::logger> make_logger(const std::string& level, const std::string& format) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto log = std::make_shared<spdlog::logger>("advisor", sink);
  if (format == "json") {
    log->set_formatter(std::make_unique<json_formatter>());
  } else if (format == "text") {
    log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  } else {
    throw std::runtime_error("--log-format: expected text or json, got '" + format + "'");
  }
  const auto lvl = spdlog::level::from_str(level);
  if (level != "debug" && level != "info" && level != "warn" && level != "error")
    throw std::runtime_error("--log-level: expected debug, info, warn or error, got '" + level + "'");
  log->set_level(lvl);
  log->flush_on(spdlog::level::debug);
  // A failing sink loses the line; it never throws into a connection.
  log->set_error_handler([](const std::string&) {});
  return log;
}

transport::log_level to_transport(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
    case spdlog::level::debug: return transport::log_level::debug;
    case spdlog::level::info: return transport::log_level::info;
    case spdlog::level::warn: return transport::log_level::warn;
    default: return transport::log_level::error;
  }
}

spdlog::level::level_enum to_spdlog(transport::log_level l) {
  switch (l) {
    case transport::log_level::debug: return spdlog::level::debug;
    case transport::log_level::info: return spdlog::level::info;
    case transport::log_level::warn: return spdlog::level::warn;
    case transport::log_level::error: return spdlog::level::err;
  }
  return spdlog::level::err;
}

}  // namespace

int run_serve(const args& a) {
  std::set<std::string> valued;
  for (const auto& o : options()) valued.insert(o.name);
  command_line cl(a, valued, {"help"});
  if (!cl.ok() || !cl.positional().empty()) {
    std::cerr << "advisor serve: " << (cl.ok() ? "unexpected argument '" + cl.positional().front() + "'" : cl.error())
              << "\n(advisor serve --help lists the options)\n";
    return 2;
  }
  if (cl.has("help")) {
    std::cout << help_text();
    return 0;
  }

  // Defaults, then the config file, then the environment, then flags: the most specific wins.
  std::map<std::string, std::string> values;
  for (const auto& o : options()) values[o.name] = o.fallback;
  values["knowledge"] = default_knowledge_dir();
  values["web-root"] = ADVISOR_DEFAULT_WEB_ROOT;
  std::string config_file = cl.get("config");
  if (config_file.empty())
    if (const char* e = std::getenv(env_name("config").c_str())) config_file = e;
  if (!config_file.empty())
    for (auto& [k, v] : read_config_file(config_file)) values[k] = v;
  for (const auto& o : options())
    if (const char* e = std::getenv(env_name(o.name).c_str())) values[o.name] = e;
  for (const auto& o : options())
    if (cl.has(o.name)) values[o.name] = cl.get(o.name);
  const settings s(values);

  auto log = make_logger(s.text("log-level"), s.text("log-format"));

  transport::config cfg;
  cfg.host = s.text("host");
  cfg.port = static_cast<std::uint16_t>(s.count("port", 0, 65535));
  cfg.web_root = s.text("web-root");
  cfg.allowed_origins = s.list("allowed-origins");
  if (const auto v = s.text("allow-no-origin"); v == "yes" || v == "no")
    cfg.allow_no_origin = v == "yes";
  else
    throw std::runtime_error("--allow-no-origin: expected yes or no, got '" + v + "'");
  cfg.max_message_bytes = s.count("max-message-bytes", 16, 1 << 20);
  cfg.questions_per_second = s.number("rate", 0.001, 1e9);
  cfg.question_burst = s.number("burst", 1, 1e9);
  cfg.max_connections = s.count("max-connections", 1, 1e7);
  cfg.max_connections_per_ip = s.count("max-connections-per-ip", 0, 1e7);
  cfg.trusted_proxies = s.list("trusted-proxies");
  cfg.handshake_timeout = s.seconds("handshake-timeout", 0.1, 3600);
  cfg.ping_interval = s.seconds("ping-interval", 0.1, 86400);
  cfg.idle_timeout = s.seconds("idle-timeout", 0, 86400 * 7);
  cfg.write_queue_limit = s.count("write-queue", 1, 1e6);
  const auto threads = s.count("threads", 0, 1024);
  const auto poll_every = s.seconds("reload-poll", 0, 3600);
  cfg.min_log_level = to_transport(log->level());
  // "{}": a line may quote a peer's bytes, which must never be read as a format string.
  cfg.log = [log](transport::log_level level, const std::string& line) { log->log(to_spdlog(level), "{}", line); };

  std::error_code ec;
  if (!std::filesystem::is_directory(cfg.web_root, ec)) {
    log->warn("web root {} is not a folder: no chat page or widget will be served", cfg.web_root.string());
    cfg.web_root.clear();
  }

  engine_handler_options handler_options;
  handler_options.answer_cache_entries = s.count("answer-cache", 0, 1e7);
  engine_handler handler(s.text("knowledge"), log, handler_options);
  if (!handler.reload().empty()) {
    std::cerr << "advisor serve: the knowledge in " << s.text("knowledge") << " does not load (errors above)\n";
    return 2;
  }

  // Block the signals in every thread (they inherit the mask, so this comes before the first one,
  // the conversation log's writer, starts); the supervisor takes them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // The conversation log, written behind the answers by its own thread.
  std::unique_ptr<store::conversation_log> conversation_log;
  const std::string db = s.text("db");
  const std::string log_questions = s.text("log-questions");
  if (log_questions != "on" && log_questions != "off")
    throw std::runtime_error("--log-questions: expected on or off, got '" + log_questions + "'");
  if (db != "off") {
    store::log_options log_options;
    log_options.store_questions = log_questions == "on";
    log_options.retention = std::chrono::hours(24 * s.count("log-retention-days", 0, 36500));
    log_options.on_error = [log](const std::string& message) { log->error("conversation log: {}", message); };
    auto opened = store::conversation_log::open(db, log_options);
    if (!opened) {
      std::cerr << "advisor serve: can't open the conversation log " << store::redact(db) << ": "
                << opened.error().message() << "\n";
      return 2;
    }
    conversation_log = std::move(*opened);
    log->info("conversation log {}{}", store::redact(db), log_options.store_questions ? "" : " (without question text)");
  }
  const std::string report_token = s.text("report-token");
  if (!report_token.empty() && report_token.size() < 16)
    throw std::runtime_error("--report-token: use at least 16 characters (it guards what visitors asked)");
  if (!report_token.empty() && db == "off")
    throw std::runtime_error("--report-token: the report reads the conversation log, which --db off turns off");
  server_handler app(handler, conversation_log.get(), {db == "off" ? "" : db, report_token});


  std::unique_ptr<transport::server> server;
  try {
    server = std::make_unique<transport::server>(cfg, app);
  } catch (const std::exception& e) {
    log->error("can't start: {}", e.what());
    return 2;
  }
  log->info("listening on http://{}:{} (knowledge {}, web root {}, {} threads)", cfg.host, server->port(),
            handler.version(), cfg.web_root.empty() ? "none" : cfg.web_root.string(),
            threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : threads);

  std::atomic<bool> done{false};
  std::thread supervisor([&] {
    bool stopping = false;
    const auto wait = poll_every.count() > 0 ? poll_every : std::chrono::milliseconds(1000);
    while (!done.load()) {
      timespec timeout{static_cast<time_t>(wait.count() / 1000), static_cast<long>(wait.count() % 1000) * 1'000'000};
      const int sig = sigtimedwait(&signals, nullptr, &timeout);
      if (sig == SIGHUP) {
        log->info("SIGHUP: reloading the knowledge");
        handler.reload();
      } else if (sig == SIGINT || sig == SIGTERM) {
        if (stopping) {
          log->warn("second stop signal: exiting at once");
          std::_Exit(1);
        }
        stopping = true;
        log->info("{}: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
        server->stop();
      } else if (sig < 0 && errno == EAGAIN && poll_every.count() > 0 && !stopping) {
        handler.poll();
      }
    }
  });

  server->run(threads);
  done.store(true);
  pthread_kill(supervisor.native_handle(), SIGUSR1);  // wakes it from sigtimedwait
  supervisor.join();
  log->info("stopped");
  return 0;
}

}  // namespace advisor::app
