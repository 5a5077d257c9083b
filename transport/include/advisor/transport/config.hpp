#pragma once
// Everything the chat server can be told: where to listen, whom to let in, how much to accept and
// for how long. A plain value with safe defaults for a public website; the app fills it from flags,
// the environment and a config file. Copy freely.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace advisor::transport {

enum class log_level { debug, info, warn, error };

struct config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port, see server::port()

  // Folder served at / (index.html), /widget.js and other static paths. Empty: no static files.
  std::filesystem::path web_root;

  // Origins (scheme://host[:port]) whose pages may open the WebSocket. The server's own origin (the
  // request's Host) is always allowed, and so is a handshake without Origin (not a browser) unless
  // allow_no_origin is false. "*" allows every origin.
  std::vector<std::string> allowed_origins;
  // Browsers always send Origin, so refusing handshakes without one shuts out only other clients
  // (scripts, load generators, tools): for a server meant for browsers alone.
  bool allow_no_origin = true;

  // A text message longer than this gets a `too_long` error and the connection stays open; one
  // longer than hard_message_factor times this is abuse and closes the connection (1009).
  std::size_t max_message_bytes = 4096;
  std::size_t hard_message_factor = 16;

  // Token bucket per connection: `questions_per_second` tokens a second, at most `question_burst`
  // saved up. Every message costs one; without a token it is answered with `rate_limited`.
  // After `max_strikes` refused messages in a row the connection is closed (1008).
  double questions_per_second = 2;
  double question_burst = 10;
  std::size_t max_strikes = 20;

  std::size_t max_connections = 10000;     // TCP connections in total; more are closed at once
  std::size_t max_connections_per_ip = 32;  // per peer address; 0: no limit
  std::vector<std::string> trusted_proxies;  // peer addresses exempt from the per-IP limit

  // A new connection must send its request, and a WebSocket finish its handshake (and later its
  // close), within handshake_timeout. A silent peer is pinged after ping_interval and dropped if
  // it stays silent for another one. A connection that asks nothing for idle_timeout is closed.
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds ping_interval = std::chrono::seconds(30);
  std::chrono::milliseconds idle_timeout = std::chrono::minutes(10);

  // Outgoing messages queued per connection; a client that lets more pile up is dropped.
  std::size_t write_queue_limit = 64;

  // stop(): WebSockets get a close frame at once; what has not finished after this is cut.
  std::chrono::milliseconds shutdown_grace = std::chrono::milliseconds(4000);

  // Content-Security-Policy of HTML pages.
  std::string content_security_policy =
      "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'";

  // Where the server's own log lines go (never throws, may be called from any thread); lines
  // below `min_log_level` are not even formatted. Empty: no logging.
  std::function<void(log_level, const std::string&)> log;
  log_level min_log_level = log_level::info;
};

}  // namespace advisor::transport
