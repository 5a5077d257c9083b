#pragma once
// The chat server: one port serving the chat page and widget (static files), /healthz, /metrics
// and the /chat WebSocket, on Boost.Beast. It keeps no conversation state: context travels with
// the messages, so any number of servers can sit behind a load balancer.
//
// Ownership and threads: the caller owns the server and the handler, and the handler outlives
// the server. run() blocks the calling thread, which becomes one of the server's threads; stop()
// may be called from any thread (not from inside the handler), any number of times.
//
// Example:
//   transport::server s(cfg, my_handler);   // binds, or throws std::system_error
//   std::thread t([&] { s.run(4); });
//   ...
//   s.stop();                                // close frames, then run() returns
//   t.join();

#include <cstddef>
#include <cstdint>
#include <memory>

#include "advisor/transport/config.hpp"
#include "advisor/transport/handler.hpp"

namespace advisor::transport {

// Counters for tests and tools (the same figures /metrics shows).
struct server_stats {
  std::uint64_t connections_open = 0;  // TCP connections, HTTP or WebSocket
  std::uint64_t websockets_open = 0;
  std::uint64_t websockets_total = 0;   // opened since start
  std::uint64_t sessions_destroyed = 0;  // connection objects freed since start
  std::uint64_t questions = 0;           // asks handed to the handler
};

class server {
 public:
  // Binds and listens on cfg.host:cfg.port. Errors: std::system_error when the address can't be
  // resolved or bound (e.g. "bind 127.0.0.1:8080: Address already in use"), std::invalid_argument
  // for a config that makes no sense (e.g. max_message_bytes 0).
  server(config cfg, handler& h);
  ~server();  // stops and waits for run() to return
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // The bound port (the one chosen when cfg.port was 0).
  std::uint16_t port() const;

  // Serves on `threads` threads (the caller's among them) until stop(). 0 means the number of cores.
  void run(std::size_t threads);

  // Stops accepting, closes every WebSocket with a close frame (going away) after the answers in
  // flight, and makes run() return when all connections are gone or cfg.shutdown_grace has passed.
  // Non-blocking and idempotent.
  void stop();

  server_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace advisor::transport
