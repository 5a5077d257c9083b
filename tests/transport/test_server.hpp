#pragma once
// The real transport::server on a free loopback port, run on its own threads for one test, with a
// small handler that needs no engine.

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "advisor/transport/server.hpp"

namespace advisor::test {

// Answers "you said: TEXT", counts the turns in the context it is handed back, and can be told to
// throw or to send huge answers.
class echo_handler : public transport::handler {
 public:
  nlohmann::json hello() override { return {{"version", "test-1"}, {"suggestions", {"Say something"}}}; }

  std::string ask(const transport::question& q) override {
    asked.fetch_add(1);
    if (q.text == "throw") throw std::runtime_error("the handler failed");
    std::uint64_t turn = 0;
    const auto context = nlohmann::json::parse(q.context);  // the transport hands over well-formed JSON only
    if (context.is_object() && context.contains("turn") && context["turn"].is_number_unsigned())
      turn = context["turn"].get<std::uint64_t>();
    std::string text = "you said: " + std::string(q.text);
    if (answer_padding > 0) text += std::string(answer_padding, '.');
    if (q.text == "not an object") return "[1]";
    return nlohmann::json{{"text", text}, {"topics", {"echo"}}, {"context", {{"turn", turn + 1}}}}.dump();
  }

  nlohmann::json health() override { return {{"knowledge", {{"version", "test-1"}}}}; }
  void write_metrics(std::string& out) override { out += "test_handler_metric 1\n"; }

  std::atomic<std::uint64_t> asked{0};
  std::size_t answer_padding = 0;
};

// Defaults for tests: any free port, generous rate, quick timeouts.
inline transport::config test_config() {
  transport::config cfg;
  cfg.host = "127.0.0.1";
  cfg.port = 0;
  cfg.questions_per_second = 1e6;
  cfg.question_burst = 1e6;
  cfg.max_connections_per_ip = 0;
  cfg.handshake_timeout = std::chrono::seconds(5);
  return cfg;
}

class running_server {
 public:
  running_server(transport::config cfg, transport::handler& h, std::size_t threads = 2)
      : server_(std::move(cfg), h), thread_([this, threads] { server_.run(threads); }) {}
  ~running_server() { stop(); }

  // Stops the server and waits for run() to return; returns how long that took.
  std::chrono::steady_clock::duration stop() {
    const auto t0 = std::chrono::steady_clock::now();
    server_.stop();
    if (thread_.joinable()) thread_.join();
    return std::chrono::steady_clock::now() - t0;
  }

  std::uint16_t port() const { return server_.port(); }
  transport::server_stats stats() const { return server_.stats(); }

  // Waits up to `limit` for `pred` to hold.
  template <class Pred>
  static bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pred();
  }

 private:
  transport::server server_;
  std::thread thread_;
};

}  // namespace advisor::test
