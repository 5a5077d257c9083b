// The server against bad input and faults, over real loopback sockets (issue "Reliability and
// security"): impossible frames, broken UTF-8 and fragmentation, floods, silent and slow
// connections, a client that never reads, thousands of connections from one address, cross-site
// handshakes, hostile HTTP, bad knowledge reloads and SIGTERM under load. Each test then checks
// that the server still answers an ordinary question and that its resident memory grew less than
// memory_bound since a warmed-up baseline. Items 1 to 8 run the transport in this process with the
// echo handler; 9 and 10 need the real `advisor serve` process (reload, SIGTERM).

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "raw_socket.hpp"
#include "temp_dir.hpp"
#include "test_server.hpp"

extern char** environ;

namespace advisor::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

// How much a fault may grow the resident memory of the server's process, over a baseline taken
// after a warm-up (threads, arenas and caches exist by then). Where a fault is cheap the tests
// repeat it, so that what one occurrence keeps adds up past this (40 frames of 1 MiB do). It holds
// under ASan and TSan too, being a bound on growth, not size; ASan's quarantine of freed memory is
// capped for this suite (see __asan_default_options at the end).
constexpr std::int64_t memory_bound = 32 << 20;

// Resident set size of a process, in bytes: "self" is this one, where the in-process server runs.
std::int64_t resident_bytes(const std::string& pid = "self") {
  std::ifstream statm("/proc/" + pid + "/statm");
  std::int64_t size = 0;
  std::int64_t resident = 0;
  statm >> size >> resident;
  return resident * ::sysconf(_SC_PAGESIZE);
}

// A baseline of resident memory; expect_bounded() checks the growth since.
class memory_check {
 public:
  explicit memory_check(std::string pid = "self") : pid_(std::move(pid)), before_(resident_bytes(pid_)) {}

  std::int64_t growth() const { return resident_bytes(pid_) - before_; }

  void expect_bounded(const char* when = "after the fault") const {
    const auto grown = growth();
    ::testing::Test::RecordProperty("resident_growth_kib", static_cast<int>(grown >> 10));
    EXPECT_LT(grown, memory_bound) << "resident memory grew by " << (grown >> 10) << " KiB " << when;
  }

 private:
  std::string pid_;
  std::int64_t before_;
};

std::optional<json> parse(const std::optional<frame::server_frame>& f) {
  if (!f || f->op != frame::text) return std::nullopt;
  auto j = json::parse(f->payload, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string ask_message(const std::string& id, const std::string& text) {
  return json{{"type", "ask"}, {"id", id}, {"text", text}}.dump();
}

// Opens a WebSocket (from `source`, with `origin`, when given), reads the hello, asks `text` and
// returns the reply; nothing when any step fails.
std::optional<json> ask_once(std::uint16_t port, const std::string& text, const std::string& source = {},
                             const std::string& origin = {}) {
  raw_ws c(port, source);
  if (c.handshake(origin) != 101) return std::nullopt;
  auto hello = parse(c.next());
  if (!hello || (*hello)["type"] != "hello") return std::nullopt;
  if (!c.send_text(ask_message("still-there", text))) return std::nullopt;
  return parse(c.next());
}

// The end of every in-process test: an ordinary question on a fresh connection gets its answer.
void expect_still_answers(std::uint16_t port, const std::string& source = {}, const std::string& origin = {}) {
  auto a = ask_once(port, "are you still there?", source, origin);
  ASSERT_TRUE(a) << "no answer to a normal question";
  EXPECT_EQ((*a)["type"], "answer") << *a;
  EXPECT_EQ((*a)["id"], "still-there");
  // (A test's handler may pad its answers.)
  EXPECT_EQ((*a)["text"].get<std::string>().rfind("you said: are you still there?", 0), 0u) << *a;
}

// A few ordinary conversations, so the baseline is taken with the server's steady-state memory.
void warm_up(std::uint16_t port, const std::string& origin = {}) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ask_once(port, "warming up", {}, origin));
}

// A Prometheus counter's value from /metrics, asked from `source` (-1 when absent).
long long metric(std::uint16_t port, const std::string& name, const std::string& source = {}) {
  raw_socket s(port, source);
  s.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  std::string reply;
  s.read_until_closed(reply, 5s);
  const auto at = reply.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stoll(reply.substr(at + name.size() + 2));
}

// One raw HTTP exchange: sends `request` exactly, reads until the server closes. The status of
// the first response, 0 when none came.
struct raw_reply {
  unsigned status = 0;
  std::string text;  // everything the server sent
  bool closed = false;
};

raw_reply raw_http(std::uint16_t port, const std::string& request) {
  raw_socket s(port);
  raw_reply r;
  if (!s.write(request)) return r;
  r.closed = s.read_until_closed(r.text, 5s);
  if (r.text.rfind("HTTP/1.1 ", 0) == 0) r.status = static_cast<unsigned>(std::stoul(r.text.substr(9, 3)));
  return r;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// ---- 1. Oversized frames ----------------------------------------------------------------------

TEST(fault, a_1_mib_text_frame_closes_with_1009_and_is_never_buffered) {
  echo_handler h;
  running_server s(test_config(), h);  // limit 4096 bytes; 16 times that closes
  warm_up(s.port());
  const std::string huge = frame::client(frame::text, std::string(1 << 20, 'a'));
  memory_check memory;
  for (int i = 0; i < 40; ++i) {
    raw_ws c(s.port());
    ASSERT_EQ(c.handshake(), 101u);
    ASSERT_TRUE(parse(c.next()));
    // The server reads the header, closes and then drains: the whole frame goes out.
    c.send(huge);
    EXPECT_EQ(c.close_code(), 1009) << "round " << i;  // message too big
  }
  EXPECT_TRUE(running_server::eventually([&] { return s.stats().websockets_open == 0; }));
  expect_still_answers(s.port());
  memory.expect_bounded();
}

TEST(fault, a_frame_declaring_2_to_the_63_bytes_is_refused_from_its_header) {
  echo_handler h;
  running_server s(test_config(), h);
  warm_up(s.port());
  memory_check memory;
  // 2^63 even sets the bit RFC 6455 says must be 0; either way the length alone is over the limit,
  // which Beast checks first: message too big (1009).
  for (const std::uint64_t length : {std::uint64_t{1} << 63, (std::uint64_t{1} << 63) - 1, std::uint64_t{1} << 40}) {
    raw_ws c(s.port());
    ASSERT_EQ(c.handshake(), 101u);
    ASSERT_TRUE(parse(c.next()));
    ASSERT_TRUE(c.send(frame::client_header(frame::text, length) + "just a few bytes of it"));
    EXPECT_EQ(c.close_code(), 1009) << length;
  }
  expect_still_answers(s.port());
  memory.expect_bounded();
}

// ---- 2. Bad UTF-8, binary frames, broken fragmentation ----------------------------------------

TEST(fault, invalid_utf8_in_a_text_frame_closes_with_1007) {
  echo_handler h;
  running_server s(test_config(), h);
  warm_up(s.port());
  memory_check memory;
  // A lone continuation byte, an overlong '/', a UTF-16 surrogate, past U+10FFFF, a cut sequence.
  for (const std::string bad : {"\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82"}) {
    raw_ws c(s.port());
    ASSERT_EQ(c.handshake(), 101u);
    ASSERT_TRUE(parse(c.next()));
    ASSERT_TRUE(c.send_text(R"({"type":"ask","id":"u","text":")" + bad + "\"}"));
    EXPECT_EQ(c.close_code(), 1007);  // invalid frame payload data
  }
  // A character split across two fragments is fine: validity is of the message, not of a frame.
  raw_ws c(s.port());
  ASSERT_EQ(c.handshake(), 101u);
  ASSERT_TRUE(parse(c.next()));
  ASSERT_TRUE(c.send(frame::client(frame::text, "{\"type\":\"ask\",\"id\":\"e\",\"text\":\"5 \xE2", false)));
  ASSERT_TRUE(c.send(frame::client(frame::continuation, "\x82\xAC\"}")));
  auto a = parse(c.next());
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["text"], "you said: 5 \xE2\x82\xAC");
  EXPECT_EQ(h.asked.load(), 6u);  // the warm-up's five, then only the valid one
  expect_still_answers(s.port());
  memory.expect_bounded();
}

TEST(fault, a_binary_frame_gets_not_text_and_the_connection_stays_open) {
  echo_handler h;
  running_server s(test_config(), h);
  warm_up(s.port());
  memory_check memory;
  raw_ws c(s.port());
  ASSERT_EQ(c.handshake(), 101u);
  ASSERT_TRUE(parse(c.next()));
  // Each one is a refused message: 20 in a row are tolerated (max_strikes), an answer resets the
  // count, and the 21st in a row closes the connection (1008).
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(c.send(frame::client(frame::binary, ask_message("b", "binary"))));
      auto e = parse(c.next());
      ASSERT_TRUE(e);
      EXPECT_EQ((*e)["code"], "not_text");
    }
    ASSERT_TRUE(c.send_text(ask_message("t", "text again")));
    auto a = parse(c.next());
    ASSERT_TRUE(a);
    EXPECT_EQ((*a)["text"], "you said: text again");
  }
  for (int i = 0; i < 21; ++i) ASSERT_TRUE(c.send(frame::client(frame::binary, "\x01\x02")));
  for (int i = 0; i < 21; ++i) {
    auto e = parse(c.next());
    ASSERT_TRUE(e);
    EXPECT_EQ((*e)["code"], "not_text");
  }
  EXPECT_EQ(c.close_code(), 1008);  // policy violation
  expect_still_answers(s.port());
  memory.expect_bounded();
}

TEST(fault, continuation_frames_without_a_start_close_with_1002) {
  echo_handler h;
  running_server s(test_config(), h);
  warm_up(s.port());
  memory_check memory;
  for (bool fin : {true, false}) {
    raw_ws c(s.port());
    ASSERT_EQ(c.handshake(), 101u);
    ASSERT_TRUE(parse(c.next()));
    ASSERT_TRUE(c.send(frame::client(frame::continuation, ask_message("c", "orphan"), fin)));
    EXPECT_EQ(c.close_code(), 1002);  // protocol error
  }
  {
    // A new message started while another is unfinished is the same error.
    raw_ws c(s.port());
    ASSERT_EQ(c.handshake(), 101u);
    ASSERT_TRUE(parse(c.next()));
    ASSERT_TRUE(c.send(frame::client(frame::text, "{\"type\":", false)));
    ASSERT_TRUE(c.send(frame::client(frame::text, "\"ask\"}")));
    EXPECT_EQ(c.close_code(), 1002);
  }
  EXPECT_EQ(h.asked.load(), 5u);  // the warm-up's only
  expect_still_answers(s.port());
  memory.expect_bounded();
}

TEST(fault, ten_thousand_fragments_of_one_byte_make_one_question) {
  echo_handler h;
  auto cfg = test_config();
  cfg.max_message_bytes = 16 * 1024;  // room for a 10,000-byte question
  running_server s(cfg, h);
  warm_up(s.port());
  memory_check memory;
  std::string message = ask_message("frag", "");
  const std::string text(10'000 - message.size(), 'x');
  message = ask_message("frag", text);
  ASSERT_EQ(message.size(), 10'000u);
  raw_ws c(s.port());
  ASSERT_EQ(c.handshake(), 101u);
  ASSERT_TRUE(parse(c.next()));
  std::string frames;
  for (std::size_t i = 0; i < message.size(); ++i)
    frames += frame::client(i == 0 ? frame::text : frame::continuation, message.substr(i, 1), i + 1 == message.size());
  ASSERT_TRUE(c.send(frames));
  auto a = parse(c.next(10s));
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["id"], "frag");
  EXPECT_EQ((*a)["text"], "you said: " + text);
  expect_still_answers(s.port());
  memory.expect_bounded();
}

// ---- 3. A flood of questions -------------------------------------------------------------------

TEST(fault, a_thousand_questions_a_second_are_rate_limited_then_the_client_is_dropped) {
  echo_handler h;
  auto cfg = test_config();
  const transport::config defaults;  // 2 a second, 10 saved up, 20 refusals in a row tolerated
  cfg.questions_per_second = defaults.questions_per_second;
  cfg.question_burst = defaults.question_burst;
  cfg.max_strikes = defaults.max_strikes;
  running_server s(cfg, h);
  warm_up(s.port());
  memory_check memory;

  raw_ws c(s.port());
  ASSERT_EQ(c.handshake(), 101u);
  ASSERT_TRUE(parse(c.next()));
  const auto t0 = std::chrono::steady_clock::now();
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::thread flood([&] {
    // One question a millisecond; each frame goes out in one send, so replies to close frames
    // from the reading side never split one.
    for (int i = 0; i < 1000 && !stop.load(); ++i) {
      if (!c.send_text(ask_message("f" + std::to_string(i), "hi"))) break;
      sent.fetch_add(1);
      std::this_thread::sleep_for(1ms);
    }
  });
  std::vector<std::string> kinds;  // "answer", an error code, or "close"
  std::optional<std::uint16_t> close;
  while (auto f = c.next(10s)) {
    if (f->op == frame::close) {
      close = f->close_code();
      break;
    }
    auto j = parse(f);
    ASSERT_TRUE(j);
    kinds.push_back((*j)["type"] == "answer" ? "answer" : (*j)["code"].get<std::string>());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stop.store(true);
  flood.join();

  // The burst is answered, then every question is refused with rate_limited (a token comes back
  // every half second), and the 21st refusal in a row closes the connection (1008).
  const auto answers = std::count(kinds.begin(), kinds.end(), "answer");
  EXPECT_GE(answers, 10);
  EXPECT_LE(answers, static_cast<long>(10 + 2 * seconds + 1));
  ASSERT_GE(kinds.size(), 21u);
  EXPECT_EQ(std::count(kinds.end() - 21, kinds.end(), "rate_limited"), 21);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "answer") + std::count(kinds.begin(), kinds.end(), "rate_limited"),
            static_cast<long>(kinds.size()));
  EXPECT_EQ(close, 1008);  // policy violation
  EXPECT_LT(sent.load(), 1000);
  EXPECT_TRUE(running_server::eventually([&] { return s.stats().websockets_open == 0; }));
  expect_still_answers(s.port());
  memory.expect_bounded();
}

// ---- 4. Silent and slow connections ------------------------------------------------------------

TEST(fault, connections_never_upgraded_are_timed_out) {
  echo_handler h;
  auto cfg = test_config();
  cfg.handshake_timeout = 1s;
  running_server s(cfg, h);
  warm_up(s.port());
  memory_check memory;
  std::vector<raw_socket> idle;
  for (int i = 0; i < 100; ++i) {
    idle.emplace_back(s.port());
    ASSERT_TRUE(idle.back().ok());
    // Every fourth one starts a request and stops half-way.
    if (i % 4 == 0) {
      ASSERT_TRUE(idle.back().write("GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"));
    }
  }
  expect_still_answers(s.port());  // meanwhile, others are served
  for (auto& c : idle) {
    std::string ignored;
    EXPECT_TRUE(c.read_until_closed(ignored, 10s));
    EXPECT_TRUE(ignored.empty());  // closed without a word
  }
  EXPECT_TRUE(running_server::eventually([&] { return s.stats().connections_open == 0; }));
  expect_still_answers(s.port());
  memory.expect_bounded();
}

TEST(fault, a_slow_loris_handshake_of_one_byte_a_second_is_timed_out) {
  echo_handler h;
  auto cfg = test_config();
  cfg.handshake_timeout = 1500ms;  // the whole request must arrive within this, however it trickles
  running_server s(cfg, h);
  warm_up(s.port());
  memory_check memory;
  const std::string request = raw_ws::upgrade_request(s.port());
  raw_socket loris(s.port());
  ASSERT_TRUE(loris.ok());
  std::size_t sent = 0;
  bool closed = false;
  std::string reply;
  while (sent < request.size() && !closed) {
    if (!loris.write(request.substr(sent, 1))) break;
    ++sent;
    const auto st = loris.read_some(reply, 1s);
    closed = st == raw_socket::status::eof || st == raw_socket::status::reset;
  }
  if (!closed) closed = loris.read_until_closed(reply, 5s);
  EXPECT_TRUE(closed);
  EXPECT_LE(sent, 4u) << "the server waited for " << sent << " bytes";
  EXPECT_TRUE(reply.empty());
  EXPECT_EQ(s.stats().websockets_total, 5u);  // the warm-up's: the loris never got in
  expect_still_answers(s.port());
  memory.expect_bounded();
}

// ---- 5. A client that never reads --------------------------------------------------------------

TEST(fault, a_client_that_never_reads_is_dropped_with_memory_bounded) {
  echo_handler h;
  h.answer_padding = 64 * 1024;  // 64 KiB answers: the write queue (64) holds 4 MiB at most
  running_server s(test_config(), h);
  warm_up(s.port());
  memory_check memory;
  raw_ws c(s.port());
  ASSERT_EQ(c.handshake(), 101u);
  std::int64_t peak = 0;
  int asked = 0;
  // Asks and never reads: the socket buffers fill, then the queue, then the server lets go. The
  // questions are small, so they may all be sent before the server has answered enough of them.
  for (; asked < 1000; ++asked) {
    if (!c.send_text(ask_message(std::to_string(asked), "flood"))) break;
    if (asked % 20 == 0) peak = std::max(peak, memory.growth());
  }
  EXPECT_TRUE(running_server::eventually(
      [&] {
        peak = std::max(peak, memory.growth());
        return s.stats().websockets_open == 0;
      },
      10s));
  EXPECT_EQ(metric(s.port(), "advisor_clients_dropped_total"), 1);
  std::string unread;
  EXPECT_TRUE(c.socket().read_until_closed(unread, 10s));  // what was sent before the drop, then the end
  EXPECT_LT(unread.size(), std::size_t{1000} * h.answer_padding);
  EXPECT_LT(peak, memory_bound) << "while the client was not reading: " << (peak >> 10) << " KiB";
  expect_still_answers(s.port());
  memory.expect_bounded();
}

// ---- 6. Many connections from one address ------------------------------------------------------

TEST(fault, five_thousand_connections_from_one_ip_hit_its_cap_while_another_ip_is_answered) {
  constexpr std::size_t flood = 5000;
  rlimit files{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &files), 0);
  files.rlim_cur = files.rlim_max;  // our 5,000 ends and the server's few
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &files), 0);
  if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < flood + 500)
    GTEST_SKIP() << "the hard limit of open files (" << files.rlim_cur << ") is too low for " << flood
                 << " connections; raise it (ulimit -Hn) to run this test";

  echo_handler h;
  auto cfg = test_config();
  cfg.max_connections_per_ip = transport::config{}.max_connections_per_ip;  // 32
  cfg.handshake_timeout = 30s;  // the admitted ones stay while we count
  running_server s(cfg, h);
  warm_up(s.port());
  ASSERT_TRUE(ask_once(s.port(), "from the other address", "127.0.0.2")) << "is 127.0.0.2 on the loopback?";
  memory_check memory;

  std::vector<raw_socket> from_one_ip;
  from_one_ip.reserve(flood);
  for (std::size_t i = 0; i < flood; ++i) {
    from_one_ip.emplace_back(s.port(), "127.0.0.1");
    ASSERT_TRUE(from_one_ip.back().ok())
        << "connection " << i << ": " << std::strerror(from_one_ip.back().errno_value());
  }
  // Another address is not affected by the first one's cap.
  auto other = ask_once(s.port(), "from the other address", "127.0.0.2");
  ASSERT_TRUE(other);
  EXPECT_EQ((*other)["text"], "you said: from the other address");

  // All but 32 were closed at once; those 32 still wait for their request.
  std::size_t closed = 0;
  ASSERT_TRUE(running_server::eventually(
      [&] {
        closed = 0;
        for (auto& c : from_one_ip) {
          pollfd p{c.fd(), POLLIN | POLLRDHUP, 0};
          if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) ++closed;
        }
        return closed == flood - cfg.max_connections_per_ip;
      },
      10s))
      << closed << " closed";
  // The other address's connection is gone once the server has seen it close.
  EXPECT_TRUE(running_server::eventually([&] { return s.stats().connections_open == cfg.max_connections_per_ip; }))
      << s.stats().connections_open;
  EXPECT_EQ(metric(s.port(), "advisor_connections_rejected_total", "127.0.0.2"),
            static_cast<long long>(flood - cfg.max_connections_per_ip));
  from_one_ip.clear();
  EXPECT_TRUE(running_server::eventually([&] { return s.stats().connections_open == 0; }));
  expect_still_answers(s.port());
  expect_still_answers(s.port(), "127.0.0.2");
  memory.expect_bounded();
}

// ---- 7. Origins --------------------------------------------------------------------------------

TEST(fault, a_cross_site_handshake_gets_403) {
  echo_handler h;
  auto cfg = test_config();
  cfg.allowed_origins = {"https://studio.example"};
  running_server s(cfg, h);
  warm_up(s.port());
  memory_check memory;
  for (const char* origin : {"https://evil.example", "https://studio.example.evil.example", "http://studio.example",
                             "https://studio.example:8443", "null", "https://studio.example@evil.example"}) {
    raw_ws c(s.port());
    EXPECT_EQ(c.handshake(origin), 403u) << origin;
    EXPECT_FALSE(parse(c.next(1s))) << origin;  // no hello: never upgraded
  }
  EXPECT_EQ(metric(s.port(), "advisor_forbidden_origins_total"), 6);
  raw_ws allowed(s.port());
  EXPECT_EQ(allowed.handshake("https://studio.example"), 101u);
  expect_still_answers(s.port());
  memory.expect_bounded();
}

TEST(fault, a_handshake_without_origin_is_allowed_or_refused_as_configured) {
  echo_handler h;
  {
    running_server s(test_config(), h);  // by default a client that is not a browser may connect
    raw_ws c(s.port());
    EXPECT_EQ(c.handshake(), 101u);
  }
  auto cfg = test_config();
  cfg.allow_no_origin = false;
  running_server s(cfg, h);
  const std::string own = "http://127.0.0.1:" + std::to_string(s.port());  // the server's own page
  warm_up(s.port(), own);
  memory_check memory;
  for (int i = 0; i < 20; ++i) {
    raw_ws c(s.port());
    EXPECT_EQ(c.handshake(), 403u);
  }
  EXPECT_EQ(metric(s.port(), "advisor_forbidden_origins_total"), 20);
  expect_still_answers(s.port(), {}, own);
  memory.expect_bounded();
}

// ---- 8. Hostile HTTP ---------------------------------------------------------------------------

class http_fault : public ::testing::Test {
 protected:
  void SetUp() override {
    site.write("index.html", "<!doctype html><title>chat</title>");
    secret.write("secret.txt", "top secret");
    std::filesystem::create_symlink(secret.path() / "secret.txt", site.path() / "escape.txt");
    auto cfg = test_config();
    cfg.web_root = site.path();
    server = std::make_unique<running_server>(cfg, h);
    warm_up(server->port());
    ASSERT_EQ(raw_http(port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status, 200u);
  }
  std::uint16_t port() const { return server->port(); }

  temp_dir site;
  temp_dir secret;  // a sibling of the web root: "/../<its name>/secret.txt" would reach it
  echo_handler h;
  std::unique_ptr<running_server> server;
};

TEST_F(http_fault, path_traversal_variants_never_leave_the_web_root) {
  memory_check memory;
  const std::string dir = secret.path().filename().string();  // "/../" + dir + "/secret.txt" is the secret
  const std::vector<std::string> targets = {
      "/../" + dir + "/secret.txt",
      "/..%2f" + dir + "%2fsecret.txt",             // encoded slashes
      "/%2e%2e/" + dir + "/secret.txt",             // encoded dots
      "/%2E%2E%2F" + dir + "%2Fsecret.txt",
      "/%252e%252e/" + dir + "/secret.txt",         // encoded twice: a file named "%2e%2e", not ".."
      "/..\\" + dir + "\\secret.txt",             // Windows separators
      "/..%5c" + dir + "%5csecret.txt",
      "/%c0%ae%c0%ae/" + dir + "/secret.txt",       // overlong UTF-8 dots
      "/.%00./" + dir + "/secret.txt",              // NUL bytes
      "/index.html%00.txt",
      "//../" + dir + "/secret.txt",
      "/./../" + dir + "/secret.txt",
      "/index.html/../../" + dir + "/secret.txt",
      "/....//" + dir + "/secret.txt",
      "/..;/" + dir + "/secret.txt",
      "/escape.txt",                                 // a symlink out of the root
      "/etc/passwd",
      "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "http://127.0.0.1/../" + dir + "/secret.txt",  // absolute form
      secret.path().string() + "/secret.txt",        // the real path
  };
  for (const auto& target : targets) {
    const auto r = raw_http(port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(r.status == 400 || r.status == 404) << target << " -> " << r.status;
    EXPECT_EQ(r.text.find("top secret"), std::string::npos) << target;
    EXPECT_EQ(r.text.find("root:"), std::string::npos) << target;
  }
  expect_still_answers(port());
  memory.expect_bounded();
}

TEST_F(http_fault, a_64_kib_header_is_refused_and_the_connection_closed) {
  memory_check memory;
  for (int i = 0; i < 20; ++i) {
    const auto r = raw_http(port(), "GET / HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(64 * 1024, 'a') +
                                        "\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(r.closed);
    EXPECT_EQ(r.text.find("<title>chat</title>"), std::string::npos);  // not served
    EXPECT_TRUE(r.status == 0 || r.status == 431) << r.status;
  }
  expect_still_answers(port());
  memory.expect_bounded();
}

TEST_F(http_fault, an_unknown_method_gets_405) {
  memory_check memory;
  for (const char* method : {"BREW", "PROPFIND", "TRACE", "CONNECT", "DELETE"}) {
    const auto r = raw_http(port(), std::string(method) + " / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(r.status, 405u) << method;
    EXPECT_NE(r.text.find("Allow: GET, HEAD\r\n"), std::string::npos) << r.text;
  }
  // Not even a method: a malformed request line gets no response, only the end of the connection.
  const auto garbage = raw_http(port(), "G(T / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(garbage.closed);
  EXPECT_EQ(garbage.status, 0u);
  expect_still_answers(port());
  memory.expect_bounded();
}

TEST_F(http_fault, request_smuggling_through_content_length_and_transfer_encoding_is_refused) {
  memory_check memory;
  // A front end that trusts Content-Length sees one request; one that trusts chunked sees two.
  // Either way, the request hidden in the body must not be served: the message is refused whole.
  const std::string smuggled = "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string head :
       {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n"}) {
    const auto r = raw_http(port(), head + "0\r\n\r\n" + smuggled);
    EXPECT_TRUE(r.closed) << head;
    EXPECT_TRUE(r.status == 0 || r.status == 400) << head << "->\n" << r.text;
    EXPECT_LE(count_of(r.text, "HTTP/1.1 "), 1u) << head << "->\n" << r.text;
    EXPECT_EQ(r.text.find("<title>chat</title>"), std::string::npos) << head;
  }
  expect_still_answers(port());
  memory.expect_bounded();
}

// ---- 9 and 10: the real `advisor serve` process -----------------------------------------------

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `advisor serve` in a child process, its stderr (the log) in a file, killed if still running at
// the end.
class serve_process {
 public:
  serve_process(std::vector<std::string> args, const fs::path& log) : log_(log) {
    args.insert(args.begin(), {ADVISOR_BINARY, "serve", "--port", "0", "--log-level", "info", "--db", "off"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);  // the test runner may block signals
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    EXPECT_EQ(posix_spawn(&pid_, ADVISOR_BINARY, &actions, &attr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  ~serve_process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // The port from the "listening on" line, 0 if it does not come within `limit`.
  std::uint16_t port(std::chrono::milliseconds limit = 20s) {
    const std::string prefix = "listening on http://127.0.0.1:";
    std::uint16_t port = 0;
    running_server::eventually(
        [&] {
          const auto text = log();
          const auto at = text.find(prefix);
          if (at == std::string::npos || text.find(' ', at + prefix.size()) == std::string::npos) return false;
          port = static_cast<std::uint16_t>(std::stoul(text.substr(at + prefix.size())));
          return true;
        },
        limit);
    return port;
  }

  std::string log() const { return read_text(log_); }
  std::string pid() const { return std::to_string(pid_); }
  void signal(int sig) const { ::kill(pid_, sig); }

  // The exit status (128 + signal when killed), or -1 if it is still running after `limit`.
  int wait(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    do {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(10ms);
    } while (std::chrono::steady_clock::now() < end);
    return -1;
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

std::string healthz_version(std::uint16_t port) {
  const auto r = raw_http(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto body = json::parse(r.text.substr(std::min(r.text.size(), r.text.find("\r\n\r\n") + 4)), nullptr, false);
  return body.is_object() && body.contains("knowledge") ? body["knowledge"].value("version", "") : "";
}

void expect_garden_answers(std::uint16_t port) {
  auto a = ask_once(port, "when should I prune my plants");
  ASSERT_TRUE(a) << "no answer to a normal question";
  EXPECT_EQ((*a)["type"], "answer") << *a;
  EXPECT_EQ((*a)["topics"], json::array({"pruning"})) << *a;
}

TEST(fault, knowledge_reloads_of_a_truncated_a_non_utf8_and_a_50_mb_file_keep_the_running_knowledge) {
  temp_dir dir;
  const auto good = read_text(ADVISOR_TEST_DATA "/understand/data/garden/garden.rules");
  const auto rules = dir.write("knowledge/garden.rules", good);
  serve_process p({"--knowledge", (dir.path() / "knowledge").string(), "--reload-poll", "0", "--threads", "2",
                   "--web-root", dir.path().string()},
                  dir.path() / "log");
  const auto port = p.port();
  ASSERT_NE(port, 0) << p.log();
  const auto version = healthz_version(port);
  ASSERT_FALSE(version.empty());
  for (int i = 0; i < 5; ++i) expect_garden_answers(port);
  // One good reload warms the reload path up too.
  p.signal(SIGHUP);
  ASSERT_TRUE(running_server::eventually([&] { return count_of(p.log(), "knowledge reloaded") == 1; }, 10s)) << p.log();
  memory_check memory(p.pid());

  const auto cut = good.find("Green Thumb Nurs") + 16;  // ends inside a quoted string
  const std::vector<std::pair<std::string, std::function<void()>>> edits = {
      {"truncated", [&] { dir.write("knowledge/garden.rules", good.substr(0, cut)); }},
      {"invalid UTF-8",
       [&] {
         auto text = good;
         text.insert(text.find("Green Thumb"), "\xC3\x28\xFF");
         dir.write("knowledge/garden.rules", text);
       }},
      {"50 MB",
       [&] {
         dir.write("knowledge/garden.rules", good);
         std::ofstream big(dir.path() / "knowledge/big.rules", std::ios::binary);
         const std::string line = "# " + std::string(97, 'x') + "\n";
         for (int i = 0; i < 500'000; ++i) big << line;
       }},
  };
  std::size_t failures = 0;
  for (const auto& [what, edit] : edits) {
    edit();
    p.signal(SIGHUP);
    ++failures;
    ASSERT_TRUE(
        running_server::eventually([&] { return count_of(p.log(), "knowledge reload failed") == failures; }, 20s))
        << what << "\n" << p.log();
    EXPECT_EQ(healthz_version(port), version) << what;
    expect_garden_answers(port);
  }
  const auto log = p.log();
  EXPECT_NE(log.find("knowledge error: " + rules.string() + ":"), std::string::npos) << log;
  EXPECT_NE(log.find("[knowledge.invalid_utf8]"), std::string::npos) << log;
  EXPECT_NE(log.find("[loader.too_large]"), std::string::npos) << log;
  memory.expect_bounded("after three failed reloads");

  // Fixed again: the next reload takes.
  fs::remove(dir.path() / "knowledge/big.rules");
  p.signal(SIGHUP);
  EXPECT_TRUE(running_server::eventually([&] { return count_of(p.log(), "knowledge reloaded") == 2; }, 10s)) << p.log();
  expect_garden_answers(port);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(10s), 0) << p.log();
}

TEST(fault, sigterm_with_500_clients_mid_question_answers_or_closes_every_one) {
  constexpr std::size_t clients = 500;
  rlimit files{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &files), 0);
  files.rlim_cur = files.rlim_max;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &files), 0);
  if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < clients + 100)
    GTEST_SKIP() << "the hard limit of open files (" << files.rlim_cur << ") is too low for " << clients << " clients";

  temp_dir dir;
  dir.write("knowledge/garden.rules", read_text(ADVISOR_TEST_DATA "/understand/data/garden/garden.rules"));
  serve_process p({"--knowledge", (dir.path() / "knowledge").string(), "--reload-poll", "0", "--threads", "2",
                   "--web-root", dir.path().string(), "--max-connections-per-ip", "0"},
                  dir.path() / "log");
  const auto port = p.port();
  ASSERT_NE(port, 0) << p.log();
  expect_garden_answers(port);

  std::vector<std::unique_ptr<raw_ws>> ws;
  for (std::size_t i = 0; i < clients; ++i) {
    ws.push_back(std::make_unique<raw_ws>(port));
    ASSERT_EQ(ws.back()->handshake(), 101u) << "client " << i;
    ASSERT_TRUE(parse(ws.back()->next())) << "client " << i;
  }
  for (std::size_t i = 0; i < clients; ++i)
    ASSERT_TRUE(ws[i]->send_text(ask_message("q" + std::to_string(i), "when should I prune my plants")));
  p.signal(SIGTERM);

  // Every client reads until its connection ends: answers, then a close frame.
  struct outcome {
    std::size_t answers = 0;
    std::optional<std::uint16_t> close;
    bool ended = false;
  };
  std::vector<outcome> out(clients);
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  std::size_t ended = 0;
  while (ended < clients && std::chrono::steady_clock::now() < deadline) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < clients; ++i) {
      if (out[i].ended) continue;
      fds.push_back({ws[i]->socket().fd(), POLLIN, 0});
      which.push_back(i);
    }
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (!fds[k].revents) continue;
      auto& c = *ws[which[k]];
      auto& o = out[which[k]];
      c.receive(0ms);
      while (auto f = c.take_frame()) {
        if (f->op == frame::close) o.close = f->close_code();
        auto j = parse(f);
        if (j && (*j)["type"] == "answer") {
          EXPECT_EQ((*j)["topics"], json::array({"pruning"})) << *j;
          ++o.answers;
        }
      }
      if (c.closed()) {
        o.ended = true;
        ++ended;
      }
    }
  }
  std::size_t answered = 0;
  for (std::size_t i = 0; i < clients; ++i) {
    EXPECT_TRUE(out[i].ended) << "client " << i << " hangs";
    EXPECT_TRUE(out[i].answers == 1 || out[i].close) << "client " << i << " got neither an answer nor a close frame";
    if (out[i].close) {
      EXPECT_EQ(*out[i].close, 1001) << "client " << i;  // going away
    }
    answered += out[i].answers;
  }
  EXPECT_EQ(p.wait(10s), 0) << p.log();
  RecordProperty("answered_before_closing", static_cast<int>(answered));
}

}  // namespace
}  // namespace advisor::test

// ASan keeps freed memory unusable (and resident) in a quarantine, 256 MiB by default: without a
// cap, resident memory here would measure the quarantine, not the server. 16 MiB still catches a
// use after free of anything freed while one of these tests runs its fault.
#if defined(__SANITIZE_ADDRESS__)
extern "C" const char* __asan_default_options() { return "quarantine_size_mb=16"; }
#endif
