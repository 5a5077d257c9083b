// Closed-loop WebSocket load for bench/server-vs-echo: each connection sends a question, waits for
// its reply, checks the reply's id, and sends the next. Reports replies per second, latency
// percentiles and the server's CPU time per reply, read from the kernel's CPU clock of the server
// process (clock_getcpuclockid), which counts only that process's work however busy the machine.
//
// Usage:
//   ws_load --port N --pid PID --connections C [--seconds S] [--warmup S] [--hello] [--threads T]
//           [--conversation TURNS]   questions per conversation, each carrying the previous answer's
//                                    context as the widget does (default 4; 0: one endless conversation)
//   ws_load --port N --pid PID --idle C [--hello]    C idle connections: RSS, then one question each
//   ws_load --port N --pid PID --connections C --total Q [--rss-every K] [--vary]
//           soak: Q questions in all, the server's RSS after every K replies; --vary makes every
//           other question unique (a visitor's own words), so the answer cache fills and evicts
// Prints one line of key=value pairs.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <simdjson.h>

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

// Questions a visitor might ask, in turn.
constexpr const char* questions[] = {
    "what are milia?",
    "can I pop them?",
    "how do I get rid of milia",
    "my baby has little white bumps on her nose",
    "are they contagious?",
    "how much does a removal cost?",
    "do they go away on their own",
    "what skincare routine should I follow?",
};

// The questions as JSON strings, quoted and escaped once.
const std::vector<std::string>& quoted_questions() {
  static const std::vector<std::string> quoted = [] {
    std::vector<std::string> out;
    for (const char* q : questions) out.push_back(nlohmann::json(q).dump());
    return out;
  }();
  return quoted;
}

struct shared {
  std::atomic<bool> measuring{false};
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> replies{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> connected{0};
  std::atomic<std::uint64_t> idle_answered{0};
  std::mutex mutex;
  std::vector<double> latencies_us;  // only while measuring
  bool expect_hello = false;
  int conversation_turns = 4;  // a conversation starts afresh after this many questions (0: never)
  bool vary = false;           // every other question made unique, so answers can't all come from a cache
  bool counting = false;       // soak mode: count every reply, from the start
};

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(net::io_context& ioc, tcp::endpoint ep, int n, shared& s, bool idle)
      : ws_(net::make_strand(ioc)), ep_(ep), n_(n), s_(s), idle_(idle) {}

  void start() {
    beast::get_lowest_layer(ws_).async_connect(ep_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail();
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).set_option(tcp::no_delay(true), ignored);
      self->ws_.async_handshake("127.0.0.1", "/chat", [self](beast::error_code hec) {
        if (hec) return self->fail();
        if (self->s_.expect_hello) return self->read_hello();
        self->s_.connected.fetch_add(1);
        if (!self->idle_) self->ask();
      });
    });
  }

  // Idle mode: one question now.
  void ask_once() {
    net::dispatch(ws_.get_executor(), [self = shared_from_this()] { self->ask(); });
  }

  void close() {
    net::dispatch(ws_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).close(ignored);
    });
  }

 private:
  void read_hello() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail();
      self->buffer_.consume(self->buffer_.size());
      self->s_.connected.fetch_add(1);
      if (!self->idle_) self->ask();
    });
  }

  void ask() {
    if (s_.stopping.load()) return;
    id_ = std::to_string(n_) + "-" + std::to_string(seq_++);
    // As the chat widget does: each question carries the previous answer's context, until the
    // visitor leaves and a new conversation starts.
    const auto turns = static_cast<std::uint64_t>(s_.conversation_turns);
    if (turns > 0 && seq_ % turns == 1) context_.clear();
    // Built as text: the generator must stay cheap next to the servers it measures.
    std::string text = quoted_questions()[(static_cast<std::uint64_t>(n_) + seq_) % std::size(questions)];
    if (s_.vary && seq_ % 2 == 0) text.insert(text.size() - 1, " (visitor " + id_ + ")");
    out_ = R"({"type":"ask","id":")" + id_ + R"(","text":)" + text;
    if (!context_.empty()) out_ += R"(,"context":)" + context_;
    out_ += '}';
    sent_ = clock_type::now();
    ws_.text(true);
    ws_.async_write(net::buffer(out_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail();
      self->read_reply();
    });
  }

  void read_reply() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail();
      const auto took = clock_type::now() - self->sent_;
      self->check_reply();
      self->buffer_.consume(self->buffer_.size());  // the string keeps its capacity for the next reply
      if (self->idle_) {
        self->s_.idle_answered.fetch_add(1);
        return;
      }
      if (self->s_.counting) self->s_.replies.fetch_add(1, std::memory_order_relaxed);
      if (self->s_.measuring.load()) {
        self->s_.replies.fetch_add(1, std::memory_order_relaxed);
        self->latencies_.push_back(std::chrono::duration<double, std::micro>(took).count());
      }
      if (self->s_.stopping.load()) return self->flush();
      self->ask();
    });
  }

  // Every reply must be the answer to this question: the id comes back (echo returns it too). The
  // reply's context is kept, as sent, for the next question. simdjson On-Demand reads only those two
  // members, in place: the generator must cost less than the servers it measures.
  void check_reply() {
    in_.reserve(in_.size() + simdjson::SIMDJSON_PADDING);
    thread_local simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc;
    simdjson::ondemand::object reply;
    std::string_view id, context;
    if (parser.iterate(in_.data(), in_.size(), in_.capacity()).get(doc) || doc.get_object().get(reply) ||
        reply.find_field_unordered("id").get_string().get(id) || id != id_) {
      s_.errors.fetch_add(1);
      return;
    }
    simdjson::ondemand::object c;
    if (!reply.find_field_unordered("context").get_object().get(c) && !c.raw_json().get(context))
      context_.assign(context);
  }

  void flush() {
    std::lock_guard lock(s_.mutex);
    s_.latencies_us.insert(s_.latencies_us.end(), latencies_.begin(), latencies_.end());
    latencies_.clear();
  }

  void fail() { s_.errors.fetch_add(1); }

  websocket::stream<tcp::socket> ws_;
  std::string in_;  // the reply being read
  net::dynamic_string_buffer<char, std::char_traits<char>, std::allocator<char>> buffer_{in_};
  tcp::endpoint ep_;
  int n_;
  shared& s_;
  bool idle_;
  std::uint64_t seq_ = 0;
  std::string id_, out_;
  std::string context_;  // the last answer's context, as JSON text
  clock_type::time_point sent_;
  std::vector<double> latencies_;
};

double cpu_seconds(pid_t pid) {
  clockid_t id;
  if (clock_getcpuclockid(pid, &id) == 0) {
    timespec ts{};
    if (clock_gettime(id, &ts) == 0) return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  }
  // Fallback: utime + stime from /proc/PID/stat, in clock ticks.
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto rest = stat.substr(stat.rfind(')') + 2);
  std::vector<std::string> fields;
  std::string f;
  for (char c : rest + " ") {
    if (c == ' ') {
      fields.push_back(f);
      f.clear();
    } else {
      f += c;
    }
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (std::stod(fields.at(11)) + std::stod(fields.at(12))) / ticks;
}

double rss_mb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return -1;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 0;
  pid_t pid = 0;
  int connections = 100, idle = 0, threads = 1;
  double seconds = 5, warmup = 1;
  std::uint64_t total = 0, rss_every = 100000;
  shared s;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto next = [&] { return i + 1 < argc ? argv[++i] : "0"; };
    if (flag == "--port") port = static_cast<unsigned short>(std::atoi(next()));
    else if (flag == "--pid") pid = std::atoi(next());
    else if (flag == "--connections") connections = std::atoi(next());
    else if (flag == "--idle") idle = std::atoi(next());
    else if (flag == "--threads") threads = std::max(1, std::atoi(next()));
    else if (flag == "--seconds") seconds = std::atof(next());
    else if (flag == "--warmup") warmup = std::atof(next());
    else if (flag == "--hello") s.expect_hello = true;
    else if (flag == "--conversation") s.conversation_turns = std::max(0, std::atoi(next()));
    else if (flag == "--vary") s.vary = true;
    else if (flag == "--total") total = std::strtoull(next(), nullptr, 10);
    else if (flag == "--rss-every") rss_every = std::strtoull(next(), nullptr, 10);
    else {
      std::fprintf(stderr, "ws_load: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  if (port == 0 || pid <= 0) {
    std::fprintf(stderr, "usage: ws_load --port N --pid PID (--connections C | --idle C) [--hello]\n");
    return 2;
  }
  s.counting = total > 0;
  const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
  net::io_context ioc{threads};
  auto guard = net::make_work_guard(ioc);
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });

  const int n = idle > 0 ? idle : connections;
  std::vector<std::shared_ptr<connection>> conns;
  conns.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    conns.push_back(std::make_shared<connection>(ioc, ep, i, s, idle > 0));
    conns.back()->start();
    // Don't overrun the listen backlog when opening thousands.
    if (i % 500 == 499)
      while (s.connected.load() + s.errors.load() + 250 < static_cast<std::uint64_t>(i))
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto connect_deadline = clock_type::now() + std::chrono::seconds(60);
  while (s.connected.load() + s.errors.load() < static_cast<std::uint64_t>(n) && clock_type::now() < connect_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));

  if (total > 0) {
    // Soak: RSS each time another rss_every replies have come back, until `total`.
    const auto t0 = clock_type::now();
    for (std::uint64_t next_mark = rss_every; next_mark <= total; next_mark += rss_every) {
      while (s.replies.load() < next_mark && s.errors.load() < 100)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (s.errors.load() >= 100) break;
      std::printf("replies=%llu rss_mb=%.1f seconds=%.1f errors=%llu\n", static_cast<unsigned long long>(next_mark),
                  rss_mb(pid), std::chrono::duration<double>(clock_type::now() - t0).count(),
                  static_cast<unsigned long long>(s.errors.load()));
      std::fflush(stdout);
    }
    s.stopping.store(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  } else if (idle > 0) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double rss = rss_mb(pid);
    const auto connected = s.connected.load();
    for (auto& c : conns) c->ask_once();
    const auto deadline = clock_type::now() + std::chrono::seconds(60);
    while (s.idle_answered.load() + s.errors.load() < connected && clock_type::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::printf("idle=%d connected=%llu rss_mb=%.1f answered=%llu errors=%llu\n", idle,
                static_cast<unsigned long long>(connected), rss, static_cast<unsigned long long>(s.idle_answered.load()),
                static_cast<unsigned long long>(s.errors.load()));
  } else {
    std::this_thread::sleep_for(std::chrono::duration<double>(warmup));
    const double cpu0 = cpu_seconds(pid);
    const double own0 = cpu_seconds(getpid());
    const auto t0 = clock_type::now();
    s.measuring.store(true);
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    s.measuring.store(false);
    const double cpu1 = cpu_seconds(pid);
    const double own1 = cpu_seconds(getpid());
    const double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
    s.stopping.store(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the last replies flush latencies
    const auto replies = s.replies.load();
    std::vector<double> lat;
    {
      std::lock_guard lock(s.mutex);
      lat = s.latencies_us;
    }
    const double max = lat.empty() ? 0 : *std::max_element(lat.begin(), lat.end());
    std::printf("connections=%d connected=%llu replies=%llu per_second=%.0f p50_us=%.0f p99_us=%.0f max_us=%.0f "
                "cpu_us_per_reply=%.2f generator_cpu_us_per_reply=%.2f errors=%llu\n",
                connections, static_cast<unsigned long long>(s.connected.load()),
                static_cast<unsigned long long>(replies), static_cast<double>(replies) / elapsed,
                percentile(lat, 0.50), percentile(lat, 0.99), max,
                replies ? (cpu1 - cpu0) * 1e6 / static_cast<double>(replies) : 0.0,
                replies ? (own1 - own0) * 1e6 / static_cast<double>(replies) : 0.0,
                static_cast<unsigned long long>(s.errors.load()));
  }
  std::fflush(stdout);
  for (auto& c : conns) c->close();
  guard.reset();
  ioc.stop();
  for (auto& t : pool) t.join();
  return 0;
}
