// The real server with the real engine handler, end to end over loopback: answers and follow-ups
// from knowledge on disk, hot reload (a broken edit keeps the old knowledge, a good one is used at
// once), and 200 concurrent clients each asking 50 questions.

#include "engine_handler.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "temp_dir.hpp"
#include "test_client.hpp"
#include "test_server.hpp"

namespace advisor::test {
namespace {

namespace fs = std::filesystem;

const fs::path garden_dir = ADVISOR_TEST_DATA "/understand/data/garden";

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A copy of the garden knowledge in a temp folder the test may edit, and a logger whose lines
// the test can read.
class engine_server : public ::testing::Test {
 protected:
  void SetUp() override {
    knowledge.write("garden.rules", read_text(garden_dir / "garden.rules"));
    log = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_lines));
    log->set_level(spdlog::level::info);
    handler = std::make_unique<app::engine_handler>(knowledge.path(), log);
    ASSERT_TRUE(handler->reload().empty()) << log_lines.str();
    server = std::make_unique<running_server>(test_config(), *handler);
  }

  void edit(const std::string& from, const std::string& to) {
    auto text = read_text(knowledge.path() / "garden.rules");
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    // A later mtime even on file systems with coarse timestamps.
    const auto before = fs::last_write_time(knowledge.path() / "garden.rules");
    knowledge.write("garden.rules", text);
    fs::last_write_time(knowledge.path() / "garden.rules", before + std::chrono::seconds(2));
  }

  temp_dir knowledge;
  std::ostringstream log_lines;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<app::engine_handler> handler;
  std::unique_ptr<running_server> server;
};

TEST_F(engine_server, hello_then_an_answer_from_the_knowledge) {
  ws_client c;
  ASSERT_FALSE(c.connect(server->port()));
  auto hello = c.read();
  ASSERT_TRUE(hello);
  EXPECT_EQ((*hello)["type"], "hello");
  EXPECT_EQ((*hello)["version"], handler->version());
  EXPECT_EQ((*hello)["text"], "Welcome to the garden helper.");
  EXPECT_EQ((*hello)["suggestions"], json::array({"How often should I water?", "Should I fertilize?"}));

  auto a = c.ask("q1", "how often should I water my plants");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["type"], "answer");
  EXPECT_EQ((*a)["id"], "q1");
  EXPECT_EQ((*a)["topics"], json::array({"watering"}));
  EXPECT_EQ((*a)["rules"], json::array({"watering"}));
  EXPECT_EQ((*a)["text"], "Most houseplants like water when the top of the soil is dry.\n\nGeneral gardening tips only.");
  for (const char* key : {"suggestions", "confidence", "context"}) EXPECT_TRUE(a->contains(key)) << key;
}

TEST_F(engine_server, a_follow_up_is_read_with_the_context_it_sends_back) {
  ws_client c;
  ASSERT_FALSE(c.connect(server->port()));
  ASSERT_TRUE(c.read());
  auto first = c.ask("q1", "how often should I water my plants");
  ASSERT_TRUE(first);
  auto follow_up = c.ask("q2", "what about outdoors", (*first)["context"]);
  ASSERT_TRUE(follow_up);
  EXPECT_EQ((*follow_up)["topics"], json::array({"watering"}));
  EXPECT_EQ((*follow_up)["context"]["turn"], 2);
  // Without the context the same words mean nothing.
  auto alone = c.ask("q3", "what about outdoors");
  ASSERT_TRUE(alone);
  EXPECT_EQ((*alone)["topics"], json::array({"fallback"}));
  // A forged context is read as untrusted input, not trusted.
  auto forged = c.ask("q4", "what about outdoors", {{"turn", "many"}, {"intent", std::string(1000, 'x')}});
  ASSERT_TRUE(forged);
  EXPECT_EQ((*forged)["type"], "answer");
}

TEST_F(engine_server, a_broken_reload_keeps_the_old_knowledge_answering) {
  const auto version = handler->version();
  edit("rule feeding\n  when\n", "rule feeding\n  when\n    nonsense relation: here\n");
  const auto errors = handler->reload();
  ASSERT_FALSE(errors.empty());
  // The log names the file, line and column.
  const auto file = (knowledge.path() / "garden.rules").string();
  EXPECT_NE(log_lines.str().find("knowledge error: " + file + ":" + std::to_string(errors.front().line) + ":" +
                                 std::to_string(errors.front().column) + ": "),
            std::string::npos)
      << log_lines.str();
  EXPECT_NE(log_lines.str().find("still answering with version " + version), std::string::npos);
  EXPECT_EQ(handler->version(), version);

  ws_client c;
  ASSERT_FALSE(c.connect(server->port()));
  ASSERT_TRUE(c.read());
  auto a = c.ask("q1", "should I use fertilizer");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["topics"], json::array({"feeding"}));
  const auto metrics = http_get(server->port(), "/metrics").body;
  EXPECT_NE(metrics.find("advisor_knowledge_reloads_total{outcome=\"failed\"} 1\n"), std::string::npos) << metrics;
}

TEST_F(engine_server, a_good_reload_answers_with_the_new_knowledge_at_once) {
  ws_client c;  // connected before the reload: its next question gets the new knowledge
  ASSERT_FALSE(c.connect(server->port()));
  ASSERT_TRUE(c.read());
  const auto version = handler->version();
  edit("text: Prune in late winter, just above a leaf.", "text: Prune in early spring, with clean shears.");
  ASSERT_TRUE(handler->reload().empty()) << log_lines.str();
  EXPECT_NE(handler->version(), version);
  auto a = c.ask("q1", "when should I prune my plants");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["text"].get<std::string>().rfind("Prune in early spring, with clean shears.", 0), 0u) << *a;
  auto health = json::parse(http_get(server->port(), "/healthz").body);
  EXPECT_EQ(health["knowledge"]["version"], handler->version());
}

TEST_F(engine_server, a_repeated_question_is_answered_alike_with_its_own_turn_and_conversation) {
  ws_client c;
  ASSERT_FALSE(c.connect(server->port()));
  ASSERT_TRUE(c.read());
  auto first = c.ask("q1", "how often should I water my plants");
  auto again = c.ask("q2", "how often should I water my plants");
  ASSERT_TRUE(first && again);
  EXPECT_EQ((*again)["text"], (*first)["text"]);
  EXPECT_EQ((*again)["topics"], (*first)["topics"]);
  EXPECT_EQ((*again)["context"]["turn"], 1);
  // Two first turns are two conversations, each with a random id.
  const auto id1 = (*first)["context"]["conversation"].get<std::string>();
  const auto id2 = (*again)["context"]["conversation"].get<std::string>();
  EXPECT_EQ(id1.size(), 16u);
  EXPECT_NE(id1, id2);
  // A follow-up keeps its conversation's id and counts on.
  auto follow_up = c.ask("q3", "what about outdoors", (*first)["context"]);
  ASSERT_TRUE(follow_up);
  EXPECT_EQ((*follow_up)["context"]["conversation"], id1);
  EXPECT_EQ((*follow_up)["context"]["turn"], 2);
  // A forged id is replaced, not echoed.
  auto forged = c.ask("q4", "how often should I water my plants", {{"conversation", "<script>"}});
  ASSERT_TRUE(forged);
  EXPECT_NE((*forged)["context"]["conversation"], "<script>");
  const auto metrics = http_get(server->port(), "/metrics").body;
  EXPECT_NE(metrics.find("advisor_answer_cache_total{result=\"hit\"} 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("advisor_answer_cache_total{result=\"miss\"} 2\n"), std::string::npos) << metrics;
}

TEST_F(engine_server, a_cached_answer_never_goes_to_a_question_that_only_looks_alike_in_its_key) {
  ws_client c;
  ASSERT_FALSE(c.connect(server->port()));
  ASSERT_TRUE(c.read());
  // The same bytes end the text of one and begin the context of the other (found by fuzzing).
  auto a = c.ask("q1", "what about outdoors\x1fwatering");
  auto b = c.ask("q2", "what about outdoors", {{"intent", "watering\x1f"}});
  auto follow_up = c.ask("q3", "what about outdoors", {{"intent", "watering"}, {"topics", {"watering"}}});
  ASSERT_TRUE(a && b && follow_up);
  EXPECT_EQ((*follow_up)["topics"], json::array({"watering"}));
  EXPECT_NE((*b)["topics"], (*follow_up)["topics"]) << "a forged intent is no known intent";
  const auto metrics = http_get(server->port(), "/metrics").body;
  EXPECT_NE(metrics.find("advisor_answer_cache_total{result=\"hit\"} 0\n"), std::string::npos) << metrics;
}

TEST_F(engine_server, a_reload_never_serves_an_answer_cached_from_the_old_knowledge) {
  ws_client c;
  ASSERT_FALSE(c.connect(server->port()));
  ASSERT_TRUE(c.read());
  auto before = c.ask("q1", "when should I prune my plants");
  ASSERT_TRUE(before);
  EXPECT_EQ((*before)["text"].get<std::string>().rfind("Prune in late winter", 0), 0u) << *before;
  edit("text: Prune in late winter, just above a leaf.", "text: Prune in early spring, with clean shears.");
  ASSERT_TRUE(handler->reload().empty()) << log_lines.str();
  auto after = c.ask("q2", "when should I prune my plants");
  ASSERT_TRUE(after);
  EXPECT_EQ((*after)["text"].get<std::string>().rfind("Prune in early spring", 0), 0u) << *after;
}

TEST_F(engine_server, every_answer_is_reported_to_the_observer_cached_or_not) {
  struct seen {
    std::string question, version, conversation;
    std::vector<std::string> topics;
    bool fallback;
  };
  std::mutex mutex;
  std::vector<seen> answers;
  handler->on_answer([&](const app::answered& a) {
    std::lock_guard lock(mutex);
    answers.push_back({std::string(a.question), std::string(a.knowledge_version), std::string(a.conversation),
                       a.topics, a.fallback});
  });
  ws_client c;
  ASSERT_FALSE(c.connect(server->port()));
  ASSERT_TRUE(c.read());
  auto a = c.ask("q1", "How OFTEN should I water my plants?");
  ASSERT_TRUE(a);
  ASSERT_TRUE(c.ask("q2", "How OFTEN should I water my plants?", (*a)["context"]));
  ASSERT_TRUE(c.ask("q3", "zzzz qqqq"));
  std::lock_guard lock(mutex);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0].question, "how often should i water my plants?");
  EXPECT_EQ(answers[0].topics, std::vector<std::string>{"watering"});
  EXPECT_EQ(answers[0].version, handler->version());
  EXPECT_FALSE(answers[0].fallback);
  EXPECT_EQ(answers[1].conversation, answers[0].conversation);
  EXPECT_EQ(answers[0].conversation, (*a)["context"]["conversation"]);
  EXPECT_TRUE(answers[2].fallback);
  EXPECT_NE(answers[2].conversation, answers[0].conversation);
}

TEST(engine_handler_cache, off_computes_every_answer) {
  temp_dir knowledge;
  knowledge.write("garden.rules", read_text(garden_dir / "garden.rules"));
  auto log = std::make_shared<spdlog::logger>("test");
  app::engine_handler handler(knowledge.path(), log, {.answer_cache_entries = 0});
  ASSERT_TRUE(handler.reload().empty());
  running_server server(test_config(), handler);
  ws_client c;
  ASSERT_FALSE(c.connect(server.port()));
  ASSERT_TRUE(c.read());
  ASSERT_TRUE(c.ask("q1", "should I use fertilizer"));
  ASSERT_TRUE(c.ask("q2", "should I use fertilizer"));
  std::string metrics;
  handler.write_metrics(metrics);
  EXPECT_NE(metrics.find("advisor_answer_cache_total{result=\"hit\"} 0\n"), std::string::npos) << metrics;
}

TEST_F(engine_server, poll_reloads_once_an_edit_has_settled) {
  EXPECT_FALSE(handler->poll());  // nothing changed
  edit("text: Happy gardening!", "text: Happy gardening, and see you soon!");
  EXPECT_FALSE(handler->poll());  // changed: wait one interval in case it is still being written
  EXPECT_TRUE(handler->poll());
  EXPECT_FALSE(handler->poll());
  ws_client c;
  ASSERT_FALSE(c.connect(server->port()));
  ASSERT_TRUE(c.read());
  auto a = c.ask("q1", "thank you, bye");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["text"].get<std::string>().rfind("Happy gardening, and see you soon!", 0), 0u) << *a;
}

TEST_F(engine_server, questions_are_not_logged_at_info) {
  ws_client c;
  ASSERT_FALSE(c.connect(server->port()));
  ASSERT_TRUE(c.read());
  ASSERT_TRUE(c.ask("q1", "my secret question about watering"));
  EXPECT_EQ(log_lines.str().find("secret question"), std::string::npos);
}

// 200 clients at once, each asking 50 questions one after the other, on one client io_context.
class load_client : public std::enable_shared_from_this<load_client> {
 public:
  load_client(net::io_context& ioc, std::uint16_t port, int n, std::atomic<int>& matched, std::atomic<int>& wrong)
      : ws_(net::make_strand(ioc)), port_(port), n_(n), matched_(matched), wrong_(wrong) {}

  void start() {
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(ws_).async_connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), [self = shared_from_this()](beast::error_code ec) {
          if (ec) return self->failed();
          beast::get_lowest_layer(self->ws_).expires_never();
          self->ws_.async_handshake("127.0.0.1", "/chat", [self](beast::error_code ec2) {
            if (ec2) return self->failed();
            self->read();  // the hello
          });
        });
  }

 private:
  static constexpr const char* questions[] = {"how often should I water my plants", "should I use fertilizer",
                                              "when should I prune my plants", "thank you, bye"};
  static constexpr const char* topics[] = {"watering", "feeding", "pruning", "thanks"};

  void ask() {
    out_ = json{{"type", "ask"}, {"id", id()}, {"text", questions[(n_ + asked_) % 4]}}.dump();
    ws_.async_write(net::buffer(out_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->failed();
      self->read();
    });
  }

  void read() {
    buffer_.clear();
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->failed();
      auto j = json::parse(beast::buffers_to_string(self->buffer_.data()), nullptr, false);
      if (j.is_discarded()) return self->failed();
      if (j["type"] == "answer") {
        const bool right = j["id"] == self->id() && j["topics"].size() == 1 &&
                           j["topics"][0] == topics[(self->n_ + self->asked_) % 4];
        (right ? self->matched_ : self->wrong_).fetch_add(1);
        ++self->asked_;
      } else if (j["type"] != "hello") {
        return self->failed();
      }
      if (self->asked_ == 50) return self->ws_.async_close(websocket::close_code::normal, [self](beast::error_code) {});
      self->ask();
    });
  }

  std::string id() const { return "c" + std::to_string(n_) + "-q" + std::to_string(asked_); }
  void failed() { wrong_.fetch_add(1); }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::string out_;
  std::uint16_t port_;
  int n_;
  int asked_ = 0;
  std::atomic<int>& matched_;
  std::atomic<int>& wrong_;
};

TEST_F(engine_server, two_hundred_clients_fifty_questions_each_every_answer_matched_to_its_id) {
  net::io_context ioc;
  std::atomic<int> matched{0}, wrong{0};
  for (int i = 0; i < 200; ++i) std::make_shared<load_client>(ioc, server->port(), i, matched, wrong)->start();
  std::thread helper([&] { ioc.run(); });
  ioc.run();
  helper.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(matched.load(), 200 * 50);
  EXPECT_GE(server->stats().questions, 200u * 50u);
}

TEST(engine_handler, answers_with_the_bundled_knowledge) {
  auto log = std::make_shared<spdlog::logger>("null");
  app::engine_handler handler(ADVISOR_SOURCE_DIR "/knowledge", log);
  ASSERT_TRUE(handler.reload().empty());
  running_server server(test_config(), handler);
  ws_client c;
  ASSERT_FALSE(c.connect(server.port()));
  auto hello = c.read();
  ASSERT_TRUE(hello);
  EXPECT_EQ((*hello)["version"], handler.version());
  // The studio's contact-* settings, for the widget's call button.
  EXPECT_TRUE((*hello)["contact"].is_object()) << *hello;
  EXPECT_TRUE((*hello)["contact"]["phone"].is_string()) << *hello;
  auto a = c.ask("q1", "can I pop them?");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["type"], "answer");
  EXPECT_FALSE((*a)["text"].get<std::string>().empty());
  EXPECT_FALSE((*a)["topics"].empty());
}

}  // namespace
}  // namespace advisor::test
