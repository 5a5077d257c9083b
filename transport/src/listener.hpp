#pragma once
// Accepts connections on one endpoint and starts an http_session for each, on its own strand,
// within the connection limits. Runs until stop().

#include <memory>

#include "net.hpp"
#include "shared_state.hpp"

namespace advisor::transport {

class listener : public std::enable_shared_from_this<listener> {
 public:
  // Opens, binds and listens. Throws std::system_error naming the endpoint on failure.
  listener(net::io_context& ioc, const tcp::endpoint& endpoint, std::shared_ptr<shared_state> state);

  void run();
  void stop();  // thread-safe
  std::uint16_t port() const { return port_; }

 private:
  void do_accept();
  void on_accept(error_code ec, tcp::socket socket);

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  std::shared_ptr<shared_state> state_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace advisor::transport
