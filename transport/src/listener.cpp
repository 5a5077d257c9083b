#include "listener.hpp"

#include <system_error>

#include "http_session.hpp"

namespace advisor::transport {
namespace {

[[noreturn]] void throw_error(const error_code& ec, const char* what, const tcp::endpoint& endpoint) {
  throw std::system_error(ec, std::string(what) + " " + endpoint.address().to_string() + ":" +
                                  std::to_string(endpoint.port()));
}

}  // namespace

listener::listener(net::io_context& ioc, const tcp::endpoint& endpoint, std::shared_ptr<shared_state> state)
    : ioc_(ioc), acceptor_(net::make_strand(ioc)), retry_(acceptor_.get_executor()), state_(std::move(state)) {
  error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) throw_error(ec, "open", endpoint);
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) throw_error(ec, "set_option", endpoint);
  acceptor_.bind(endpoint, ec);
  if (ec) throw_error(ec, "bind", endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw_error(ec, "listen", endpoint);
  port_ = acceptor_.local_endpoint().port();
}

void listener::run() {
  net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    self->stopped_ = true;
    error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_.cancel();
  });
}

void listener::do_accept() {
  if (stopped_) return;
  // Each connection gets its own strand, so its handlers never run concurrently.
  acceptor_.async_accept(net::make_strand(ioc_), beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || stopped_) return;
  if (ec) {
    state_->log(log_level::warn, "accept: " + ec.message());
    // Out of file descriptors: accepting again at once would spin. Pause, then carry on.
    if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space || ec == net::error::no_memory) {
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](error_code wait_ec) {
        if (!wait_ec) self->do_accept();
      });
      return;
    }
    return do_accept();
  }
  error_code peer_ec;
  const auto peer = socket.remote_endpoint(peer_ec);
  if (peer_ec) return do_accept();  // gone already
  auto ticket = state_->admit(peer.address().to_string());
  if (!ticket) {
    state_->stats().connections_rejected.fetch_add(1, std::memory_order_relaxed);
    if (state_->log_enabled(log_level::debug))
      state_->log(log_level::debug, "connection refused (limit) peer=" + peer.address().to_string());
    error_code ignored;
    socket.close(ignored);
    return do_accept();
  }
  // Small frames both ways: don't let Nagle hold an answer back for a delayed ACK.
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  std::make_shared<http_session>(std::move(socket), state_, std::move(*ticket))->run();
  do_accept();
}

}  // namespace advisor::transport
