#pragma once
// One HTTP connection: reads requests (keep-alive), answers /, static files, /healthz and /metrics,
// and hands a WebSocket upgrade on /chat to a websocket_session after checking its Origin. Owned
// by its completion handlers through shared_ptr; runs on the connection's strand.

#include <memory>
#include <optional>

#include "net.hpp"
#include "shared_state.hpp"

namespace advisor::transport {

class http_session : public session_base, public std::enable_shared_from_this<http_session> {
 public:
  http_session(tcp::socket&& socket, std::shared_ptr<shared_state> state, connection_ticket ticket);
  ~http_session() override;

  void run();
  void shutdown() override;

 private:
  void do_read();
  void on_read(error_code ec, std::size_t bytes);
  void send(http::message_generator msg);
  void on_write(bool keep_alive, error_code ec, std::size_t bytes);
  void do_eof();
  void fail(error_code ec, const char* what);

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<shared_state> state_;
  connection_ticket ticket_;
  bool reading_ = false;
  bool stopping_ = false;
  bool upgraded_ = false;
};

// The response to one plain HTTP request (not an upgrade). Exposed for unit tests.
http::message_generator handle_request(shared_state& state, const http::request<http::string_body>& req);

}  // namespace advisor::transport
