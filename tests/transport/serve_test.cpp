// `advisor serve` as a process: options from flags, environment and a config file, JSON log
// lines, SIGHUP and file-change reloads, and SIGTERM with clients connected.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <tuple>
#include <sstream>
#include <thread>

#include "temp_dir.hpp"
#include "test_client.hpp"

extern char** environ;

namespace advisor::test {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The advisor binary in a child process, its stdout and stderr in files.
class process {
 public:
  process(std::vector<std::string> args, const fs::path& out, const fs::path& err,
          std::vector<std::string> env = {}) {
    args.insert(args.begin(), ADVISOR_BINARY);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (char** e = environ; *e; ++e) env_.emplace_back(*e);
    env_.insert(env_.end(), env.begin(), env.end());
    std::vector<char*> envp;
    for (auto& e : env_) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    // The test runner may block signals; the server must start with a clean mask.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    EXPECT_EQ(posix_spawn(&pid_, ADVISOR_BINARY, &actions, &attr, argv.data(), envp.data()), 0);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  ~process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  void signal(int sig) const { kill(pid_, sig); }

  // The exit status, or -1 if it is still running after `limit`.
  int wait(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  std::vector<std::string> env_;
};

// The digits right after the first `prefix` in `text`, or nothing.
std::optional<unsigned long> number_after(const std::string& text, const std::string& prefix) {
  const auto at = text.find(prefix);
  if (at == std::string::npos) return std::nullopt;
  const auto begin = at + prefix.size();
  const auto end = text.find_first_not_of("0123456789", begin);
  if (end == begin || end == std::string::npos) return std::nullopt;
  return std::stoul(text.substr(begin, end - begin));
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

// The port a server logging to `log` listens on, once it says so (0 if it never does).
std::uint16_t listening_port(const fs::path& log) {
  std::uint16_t port = 0;
  eventually([&] {
    const auto n = number_after(read_text(log), "listening on http://127.0.0.1:");
    if (n) port = static_cast<std::uint16_t>(*n);
    return n.has_value();
  });
  return port;
}

TEST(serve, help_documents_every_option_and_its_environment_variable) {
  temp_dir dir;
  process p({"serve", "--help"}, dir.path() / "out", dir.path() / "err");
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0);
  const auto help = read_text(dir.path() / "out");
  for (const char* s : {"--host ADDR", "--port N", "--knowledge DIR", "--allowed-origins A,B", "--threads N",
                        "--max-message-bytes N", "--rate N", "--burst N", "--max-connections N",
                        "--max-connections-per-ip N", "--handshake-timeout", "--idle-timeout", "--ping-interval",
                        "--log-level", "--log-format", "--config FILE", "ADVISOR_PORT", "ADVISOR_ALLOWED_ORIGINS",
                        "(default: 127.0.0.1)", "(default: 8080)", "(default: 4096)"})
    EXPECT_NE(help.find(s), std::string::npos) << s << "\n" << help;
}

TEST(serve, bad_settings_are_usage_errors) {
  temp_dir dir;
  for (const auto& [flag, value, message] :
       {std::tuple{"--log-questions", "maybe", "--log-questions: expected on or off, got 'maybe'"},
        std::tuple{"--report-token", "short", "--report-token: use at least 16 characters"}}) {
    process p({"serve", flag, value, "--db", (dir.path() / "log.db").string()}, dir.path() / "out",
              dir.path() / "err");
    EXPECT_EQ(p.wait(std::chrono::seconds(10)), 2);
    EXPECT_NE(read_text(dir.path() / "err").find(message), std::string::npos) << read_text(dir.path() / "err");
  }
  {
    process p({"serve", "--port", "http"}, dir.path() / "out", dir.path() / "err");
    EXPECT_EQ(p.wait(std::chrono::seconds(10)), 2);
    EXPECT_NE(read_text(dir.path() / "err").find("--port: expected a number from 0 to 65535, got 'http'"),
              std::string::npos)
        << read_text(dir.path() / "err");
  }
  {
    dir.write("bad.conf", "# settings\nport 8080\n");
    process p({"serve", "--config", (dir.path() / "bad.conf").string()}, dir.path() / "out", dir.path() / "err");
    EXPECT_EQ(p.wait(std::chrono::seconds(10)), 2);
    EXPECT_NE(read_text(dir.path() / "err").find("bad.conf:2: expected `name = value`"), std::string::npos)
        << read_text(dir.path() / "err");
  }
}

TEST(serve, runs_reloads_and_stops_with_clients_connected) {
  temp_dir dir;
  const auto rules = dir.write("knowledge/garden.rules", read_text(ADVISOR_TEST_DATA "/understand/data/garden/garden.rules"));
  dir.write("site/index.html", "<!doctype html><title>garden</title>");
  // All three sources of settings: the file, the environment, and flags (port 0: any free one).
  dir.write("serve.conf", "# test settings\nknowledge = " + (dir.path() / "knowledge").string() +
                              "\nreload-poll = 0.1\nport = 1\ndb = " + (dir.path() / "advisor.db").string() + "\n");
  const auto log = dir.path() / "err";
  process p({"serve", "--config", (dir.path() / "serve.conf").string(), "--port", "0", "--threads", "2"},
            dir.path() / "out", log,
            {"ADVISOR_LOG_FORMAT=json", "ADVISOR_WEB_ROOT=" + (dir.path() / "site").string()});

  const auto port = listening_port(log);
  ASSERT_NE(port, 0) << read_text(log);

  // Every log line is a JSON object.
  {
    std::istringstream lines(read_text(log));
    for (std::string line; std::getline(lines, line);) {
      auto j = json::parse(line, nullptr, false);
      ASSERT_TRUE(j.is_object() && j.contains("level") && j.contains("msg") && j.contains("time")) << line;
    }
  }

  EXPECT_EQ(http_get(port, "/").body, "<!doctype html><title>garden</title>");
  const auto version = json::parse(http_get(port, "/healthz").body)["knowledge"]["version"];

  ws_client c;
  ASSERT_FALSE(c.connect(port));
  ASSERT_TRUE(c.read());
  auto a = c.ask("q1", "when should I prune my plants");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["topics"], json::array({"pruning"}));

  // A broken edit and SIGHUP: the error is logged with file:line:col and the old knowledge answers.
  auto text = read_text(rules);
  const auto good = text;
  text.replace(text.find("rule pruning\n  when\n"), 20, "rule pruning\n  when\n    what is this\n");
  std::ofstream(rules, std::ios::trunc) << text;
  p.signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return read_text(log).find("knowledge error: " + rules.string() + ":") != std::string::npos; }))
      << read_text(log);
  // file:line:col, then the message.
  const auto where = "knowledge error: " + rules.string() + ":";
  const auto line = number_after(read_text(log), where);
  ASSERT_TRUE(line);
  const auto column = number_after(read_text(log), where + std::to_string(*line) + ":");
  ASSERT_TRUE(column);
  EXPECT_NE(read_text(log).find(where + std::to_string(*line) + ":" + std::to_string(*column) + ": "), std::string::npos);
  a = c.ask("q2", "when should I prune my plants");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["topics"], json::array({"pruning"}));
  EXPECT_EQ(json::parse(http_get(port, "/healthz").body)["knowledge"]["version"], version);

  // A good edit is picked up without a signal, by the file watch.
  text = good;
  text.replace(text.find("Prune in late winter"), 20, "Prune after flowering");
  std::ofstream(rules, std::ios::trunc) << text;
  ASSERT_TRUE(eventually([&] { return json::parse(http_get(port, "/healthz").body)["knowledge"]["version"] != version; }))
      << read_text(log);
  a = c.ask("q3", "when should I prune my plants");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["text"].get<std::string>().rfind("Prune after flowering", 0), 0u) << *a;

  // SIGTERM with clients connected: each gets a close frame (going away), the process exits soon.
  std::vector<std::unique_ptr<ws_client>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<ws_client>());
    ASSERT_FALSE(clients.back()->connect(port));
    ASSERT_TRUE(clients.back()->read());
  }
  const auto t0 = std::chrono::steady_clock::now();
  p.signal(SIGTERM);
  for (auto& client : clients) {
    EXPECT_FALSE(client->read());
    EXPECT_EQ(client->close_reason().code, websocket::close_code::going_away);
  }
  EXPECT_EQ(p.wait(std::chrono::seconds(5)), 0) << read_text(log);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(read_text(log).find("when should I prune"), std::string::npos);  // questions stay out of the log
}

// The conversation log as the server writes it: every answer, with its conversation id, into
// SQLite (or into the PostgreSQL at $ADVISOR_TEST_POSTGRES_URL, when the with-postgres script runs
// this test), and the owner's report page behind its token.
TEST(serve, logs_every_answer_and_shows_the_report_with_the_owners_token) {
  temp_dir dir;
  dir.write("knowledge/garden.rules", read_text(ADVISOR_TEST_DATA "/understand/data/garden/garden.rules"));
  const char* postgres = std::getenv("ADVISOR_TEST_POSTGRES_URL");
  const std::string db = postgres ? postgres : (dir.path() / "log.db").string();
  const std::string token = "owner-secret-0123456789";
  const auto log = dir.path() / "err";
  process p({"serve", "--knowledge", (dir.path() / "knowledge").string(), "--port", "0", "--threads", "2",
             "--reload-poll", "0", "--db", db, "--report-token", token},
            dir.path() / "out", log);
  const auto port = listening_port(log);
  ASSERT_NE(port, 0) << read_text(log);

  ws_client c;
  ASSERT_FALSE(c.connect(port));
  ASSERT_TRUE(c.read());
  auto first = c.ask("q1", "When should I prune my plants?");
  ASSERT_TRUE(first);
  ASSERT_TRUE(c.ask("q2", "should I use fertilizer", (*first)["context"]));
  ASSERT_TRUE(c.ask("q3", "qwzx vbnm plorf"));  // understood by nobody: a fallback

  // The page: nothing without the token, the report with it.
  const auto refused = http_get(port, "/report");
  EXPECT_EQ(refused.status, 401u);
  EXPECT_EQ(refused.header(http::field::www_authenticate), "Bearer");
  EXPECT_EQ(http_get(port, "/report?token=wrong-secret-0123456789").status, 401u);
  http_reply page;
  ASSERT_TRUE(eventually([&] {  // the log's writer works behind the answers
    page = http_get(port, "/report", {{http::field::authorization, "Bearer " + token}});
    return page.status == 200 && page.body.find("qwzx vbnm plorf") != std::string::npos;
  })) << page.status << "\n" << page.body;
  EXPECT_EQ(page.header(http::field::cache_control), "no-store");
  EXPECT_EQ(page.header("Content-Security-Policy").find("default-src 'none'"), 0u);
  EXPECT_EQ(http_get(port, "/report?token=" + token).status, 200u);
  const auto metrics = http_get(port, "/metrics").body;
  EXPECT_NE(metrics.find("advisor_conversation_log_records_total{outcome=\"written\"} 3\n"), std::string::npos)
      << metrics;

  p.signal(SIGTERM);
  ASSERT_EQ(p.wait(std::chrono::seconds(10)), 0) << read_text(log);

  // What was stored, read back by `advisor report`: three questions in two conversations.
  process report({"report", "--db", db, "--json"}, dir.path() / "report.json", dir.path() / "report.err");
  ASSERT_EQ(report.wait(std::chrono::seconds(20)), 0) << read_text(dir.path() / "report.err");
  const auto r = json::parse(read_text(dir.path() / "report.json"));
  EXPECT_EQ(r["questions"], 3) << r;
  EXPECT_EQ(r["conversations"], 2) << r;
  EXPECT_EQ(r["fallbacks"], 1) << r;
  EXPECT_NE(r.dump().find("qwzx vbnm plorf"), std::string::npos) << r;
  EXPECT_EQ(r.dump().find("When should"), std::string::npos) << "stored as read (normalized), not as typed";
}

TEST(serve, without_question_logging_only_topics_and_figures_are_stored) {
  temp_dir dir;
  dir.write("knowledge/garden.rules", read_text(ADVISOR_TEST_DATA "/understand/data/garden/garden.rules"));
  const auto db = (dir.path() / "log.db").string();
  const auto log = dir.path() / "err";
  process p({"serve", "--knowledge", (dir.path() / "knowledge").string(), "--port", "0", "--reload-poll", "0",
             "--db", db, "--log-questions=off"},
            dir.path() / "out", log);
  const auto port = listening_port(log);
  ASSERT_NE(port, 0) << read_text(log);
  ws_client c;
  ASSERT_FALSE(c.connect(port));
  ASSERT_TRUE(c.read());
  ASSERT_TRUE(c.ask("q1", "my secret qwzx question"));
  EXPECT_EQ(http_get(port, "/report").status, 404u);  // no token: no page at all
  p.signal(SIGTERM);
  ASSERT_EQ(p.wait(std::chrono::seconds(10)), 0) << read_text(log);
  process report({"report", "--db", db, "--json"}, dir.path() / "report.json", dir.path() / "report.err");
  ASSERT_EQ(report.wait(std::chrono::seconds(20)), 0) << read_text(dir.path() / "report.err");
  const auto r = json::parse(read_text(dir.path() / "report.json"));
  EXPECT_EQ(r["questions"], 1) << r;
  EXPECT_EQ(r.dump().find("secret"), std::string::npos) << r;
}

}  // namespace
}  // namespace advisor::test
