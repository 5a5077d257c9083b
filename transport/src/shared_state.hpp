#pragma once
// What every connection of one server shares: the config, the application's handler, the
// metrics, the static files, the connection limits and the registry of live sessions that
// shutdown walks. Owned through shared_ptr by the server and by every session, so it outlives
// the last of them (as chat-multi's shared_state).
//
// Thread-safety: every member function may be called from any thread.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "advisor/transport/config.hpp"
#include "advisor/transport/handler.hpp"
#include "metrics.hpp"
#include "static_files.hpp"

namespace advisor::transport {

class shared_state;

// A session the server can ask to wind down.
class session_base {
 public:
  virtual ~session_base() = default;
  // Starts a clean close (a close frame for a WebSocket). Thread-safe: posts to the session's strand.
  virtual void shutdown() = 0;
};

// One admitted TCP connection, counted against the limits until it is destroyed. Move-only; the
// HTTP session hands it on to the WebSocket session it becomes.
class connection_ticket {
 public:
  connection_ticket() = default;
  connection_ticket(std::shared_ptr<shared_state> state, std::string ip);
  connection_ticket(connection_ticket&& other) noexcept;
  connection_ticket& operator=(connection_ticket&& other) noexcept;
  connection_ticket(const connection_ticket&) = delete;
  connection_ticket& operator=(const connection_ticket&) = delete;
  ~connection_ticket();

  const std::string& ip() const { return ip_; }

 private:
  std::shared_ptr<shared_state> state_;
  std::string ip_;
};

class shared_state : public std::enable_shared_from_this<shared_state> {
 public:
  shared_state(config cfg, handler& h);

  const config& cfg() const { return cfg_; }
  handler& app() { return handler_; }
  transport::metrics& stats() { return metrics_; }
  static_files& files() { return files_; }
  std::chrono::steady_clock::time_point started() const { return started_; }

  bool log_enabled(log_level level) const { return cfg_.log && level >= cfg_.min_log_level; }
  // Never throws: a failing sink loses the line, not the connection.
  void log(log_level level, const std::string& line) const noexcept;

  // A ticket for a new connection from `ip`, or nothing when the total or per-IP limit is reached.
  std::optional<connection_ticket> admit(const std::string& ip);

  // The registry of live sessions. A session that joins after shutdown began is shut down at once.
  void join(const std::shared_ptr<session_base>& s);
  void leave(session_base* s);
  std::size_t session_count() const;

  // Marks the server as stopping and asks every live session to close.
  void shutdown_all();
  bool stopping() const { return stopping_.load(); }

 private:
  friend class connection_ticket;
  void release(const std::string& ip);

  const config cfg_;
  handler& handler_;
  transport::metrics metrics_;
  static_files files_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::atomic<bool> stopping_{false};

  mutable std::mutex mutex_;
  std::unordered_map<session_base*, std::weak_ptr<session_base>> sessions_;
  std::unordered_map<std::string, std::size_t> per_ip_;
  std::size_t connections_ = 0;
};

}  // namespace advisor::transport
