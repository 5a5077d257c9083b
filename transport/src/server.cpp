#include "advisor/transport/server.hpp"

#include <condition_variable>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "listener.hpp"
#include "net.hpp"
#include "shared_state.hpp"

namespace advisor::transport {
namespace {

void validate(const config& cfg) {
  if (cfg.max_message_bytes == 0) throw std::invalid_argument("max_message_bytes must be at least 1");
  if (cfg.hard_message_factor == 0) throw std::invalid_argument("hard_message_factor must be at least 1");
  if (!(cfg.questions_per_second > 0)) throw std::invalid_argument("questions_per_second must be positive");
  if (cfg.max_connections == 0) throw std::invalid_argument("max_connections must be at least 1");
  if (cfg.write_queue_limit == 0) throw std::invalid_argument("write_queue_limit must be at least 1");
  if (cfg.handshake_timeout.count() <= 0 || cfg.ping_interval.count() <= 0)
    throw std::invalid_argument("handshake_timeout and ping_interval must be positive");
}

tcp::endpoint resolve(net::io_context& ioc, const std::string& host, std::uint16_t port) {
  error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (!ec) return {address, port};
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) throw std::system_error(ec, "resolve " + host);
  return results.begin()->endpoint();
}

}  // namespace

struct server::impl {
  net::io_context ioc;
  std::shared_ptr<shared_state> state;
  std::shared_ptr<listener> acceptor;
  net::steady_timer drain_timer{ioc};
  std::chrono::steady_clock::time_point deadline;
  std::atomic<bool> stop_requested{false};
  std::mutex run_mutex;
  std::condition_variable run_cv;
  bool running = false;

  impl(config cfg, handler& h) : state(std::make_shared<shared_state>(std::move(cfg), h)) {
    acceptor = std::make_shared<listener>(ioc, resolve(ioc, state->cfg().host, state->cfg().port), state);
    acceptor->run();
  }

  void begin_shutdown() {
    state->log(log_level::info, "stopping: " + std::to_string(state->session_count()) + " connections to close");
    acceptor->stop();
    state->shutdown_all();
    deadline = std::chrono::steady_clock::now() + state->cfg().shutdown_grace;
    wait_for_drain();
  }

  // Polls (only while stopping) until every session is gone, then lets run() return by leaving
  // the io_context without work; past the deadline, stops it outright.
  void wait_for_drain() {
    if (state->session_count() == 0) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      state->log(log_level::warn, std::to_string(state->session_count()) + " connections cut at the deadline");
      ioc.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(20));
    drain_timer.async_wait([this](error_code ec) {
      if (!ec) wait_for_drain();
    });
  }

  void run_loop() {
    // A handler never lets an exception out (sessions catch the handler's); this is the last line.
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        state->log(log_level::error, std::string("unexpected exception in the server: ") + e.what());
      }
    }
  }
};

server::server(config cfg, handler& h) {
  validate(cfg);
  impl_ = std::make_unique<impl>(std::move(cfg), h);
}

server::~server() {
  stop();
  std::unique_lock lock(impl_->run_mutex);
  impl_->run_cv.wait(lock, [&] { return !impl_->running; });
}

std::uint16_t server::port() const { return impl_->acceptor->port(); }

void server::run(std::size_t threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  {
    std::lock_guard lock(impl_->run_mutex);
    impl_->running = true;
  }
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (std::size_t i = 1; i < threads; ++i) pool.emplace_back([this] { impl_->run_loop(); });
  impl_->run_loop();
  for (auto& t : pool) t.join();
  {
    std::lock_guard lock(impl_->run_mutex);
    impl_->running = false;
  }
  impl_->run_cv.notify_all();
}

void server::stop() {
  if (impl_->stop_requested.exchange(true)) return;
  net::post(impl_->ioc, [i = impl_.get()] { i->begin_shutdown(); });
}

server_stats server::stats() const {
  const auto& m = impl_->state->stats();
  server_stats s;
  s.connections_open = m.connections_open.load();
  s.websockets_open = m.websockets_open.load();
  s.websockets_total = m.websockets_total.load();
  s.sessions_destroyed = m.sessions_destroyed.load();
  s.questions = m.questions.load();
  return s;
}

}  // namespace advisor::transport
