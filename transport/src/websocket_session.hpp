#pragma once
// One chat WebSocket: sends the hello, then reads messages one at a time, checks each envelope and
// the rate limit, hands valid questions to the handler and queues the replies. Owned by the
// completion handlers in flight through shared_ptr, so it lives exactly as long as its connection
// has work; all of it runs on the connection's strand.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "net.hpp"
#include "shared_state.hpp"
#include "token_bucket.hpp"

namespace advisor::transport {

class websocket_session : public session_base, public std::enable_shared_from_this<websocket_session> {
 public:
  websocket_session(tcp::socket&& socket, std::shared_ptr<shared_state> state, connection_ticket ticket);
  ~websocket_session() override;

  // Takes the upgrade request the HTTP session read and completes the handshake.
  void run(http::request<http::string_body> req);

  void shutdown() override;

 private:
  void on_accept(error_code ec);
  void do_read();
  void on_read(error_code ec, std::size_t bytes);
  void handle(std::string_view payload, bool text, std::chrono::steady_clock::time_point arrived);
  void send_error(const nlohmann::json& id, std::string_view code, const std::string& message);
  void send(std::string message);
  void on_write(error_code ec, std::size_t bytes);
  void start_close(websocket::close_code code, const char* reason);
  void do_close();
  void on_close(error_code ec);
  void arm_timer(std::chrono::steady_clock::time_point now);
  void on_timer(error_code ec);
  void on_ping(error_code ec);
  // A ping is being written, or was and nothing came back since. (A ping stuck behind a full
  // socket buffer counts: a peer that stopped reading is dropped, not pinged in a loop.)
  bool awaiting_pong() const { return pinging_ || pinged_at_ > last_heard_; }
  void drop(const char* why);
  // Logs a failure worth logging and ends this chain of operations; always `return fail(...)`.
  void fail(error_code ec, const char* what);

  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  std::shared_ptr<shared_state> state_;
  connection_ticket ticket_;
  std::string writing_;  // the message being written; untouched until the write completes
  bool writing_now_ = false;
  std::vector<std::string> queue_;  // waiting behind writing_
  token_bucket bucket_;
  std::size_t strikes_ = 0;  // refused messages in a row
  // One timer per connection does the idle close and the keep-alive pings. They are ours, not
  // Beast's: Beast 1.81 treats a keep-alive expiry already queued when a close starts as a close
  // timeout and resets the connection under the close frame, and a connection idle since it opened
  // hits that every time, its idle limit being a multiple of the ping interval.
  net::steady_timer timer_;
  std::chrono::steady_clock::time_point last_question_;
  std::chrono::steady_clock::time_point last_heard_;  // any frame from the peer, pongs included
  std::chrono::steady_clock::time_point pinged_at_;   // after last_heard_: awaiting the pong
  bool pinging_ = false;                             // a ping is being written
  bool accepted_ = false;
  bool closing_ = false;     // a close is wanted (sent once the queue is empty)
  bool close_sent_ = false;
  bool dropped_ = false;
  websocket::close_reason close_reason_;
};

}  // namespace advisor::transport
