#include "shared_state.hpp"

#include <algorithm>
#include <vector>

namespace advisor::transport {

connection_ticket::connection_ticket(std::shared_ptr<shared_state> state, std::string ip)
    : state_(std::move(state)), ip_(std::move(ip)) {}

connection_ticket::connection_ticket(connection_ticket&& other) noexcept
    : state_(std::move(other.state_)), ip_(std::move(other.ip_)) {
  other.state_.reset();
}

connection_ticket& connection_ticket::operator=(connection_ticket&& other) noexcept {
  if (this != &other) {
    if (state_) state_->release(ip_);
    state_ = std::move(other.state_);
    ip_ = std::move(other.ip_);
    other.state_.reset();
  }
  return *this;
}

connection_ticket::~connection_ticket() {
  if (state_) state_->release(ip_);
}

shared_state::shared_state(config cfg, handler& h)
    : cfg_(std::move(cfg)), handler_(h), files_(cfg_.web_root) {}

void shared_state::log(log_level level, const std::string& line) const noexcept {
  if (!log_enabled(level)) return;
  try {
    cfg_.log(level, line);
  } catch (...) {
    // Logging must never take a connection down.
  }
}

std::optional<connection_ticket> shared_state::admit(const std::string& ip) {
  {
    std::lock_guard lock(mutex_);
    if (connections_ >= cfg_.max_connections) return std::nullopt;
    const bool trusted =
        std::find(cfg_.trusted_proxies.begin(), cfg_.trusted_proxies.end(), ip) != cfg_.trusted_proxies.end();
    auto& n = per_ip_[ip];
    if (cfg_.max_connections_per_ip != 0 && !trusted && n >= cfg_.max_connections_per_ip) {
      if (n == 0) per_ip_.erase(ip);
      return std::nullopt;
    }
    ++n;
    ++connections_;
  }
  metrics_.connections_open.fetch_add(1, std::memory_order_relaxed);
  metrics_.connections_total.fetch_add(1, std::memory_order_relaxed);
  return connection_ticket(shared_from_this(), ip);
}

void shared_state::release(const std::string& ip) {
  {
    std::lock_guard lock(mutex_);
    --connections_;
    if (auto it = per_ip_.find(ip); it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
  }
  metrics_.connections_open.fetch_sub(1, std::memory_order_relaxed);
}

void shared_state::join(const std::shared_ptr<session_base>& s) {
  {
    std::lock_guard lock(mutex_);
    sessions_.emplace(s.get(), s);
  }
  if (stopping_.load()) s->shutdown();
}

void shared_state::leave(session_base* s) {
  std::lock_guard lock(mutex_);
  sessions_.erase(s);
}

std::size_t shared_state::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void shared_state::shutdown_all() {
  stopping_.store(true);
  std::vector<std::shared_ptr<session_base>> live;
  {
    std::lock_guard lock(mutex_);
    live.reserve(sessions_.size());
    for (auto& [ptr, weak] : sessions_)
      if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  // Outside the lock: a session may leave (and lock) while being told to shut down.
  for (auto& s : live) s->shutdown();
}

}  // namespace advisor::transport
