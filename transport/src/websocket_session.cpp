#include "websocket_session.hpp"

#include <exception>

#include "envelope.hpp"

namespace advisor::transport {
namespace {

bool quiet_error(const error_code& ec) {
  // The normal ways for a connection to end: we cancelled, the peer closed (cleanly or not), or
  // a timeout we set fired.
  return ec == net::error::operation_aborted || ec == websocket::error::closed || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe || ec == beast::error::timeout;
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

websocket_session::websocket_session(tcp::socket&& socket, std::shared_ptr<shared_state> state,
                                     connection_ticket ticket)
    : ws_(std::move(socket)),
      state_(std::move(state)),
      ticket_(std::move(ticket)),
      bucket_(state_->cfg().questions_per_second, state_->cfg().question_burst),
      timer_(ws_.get_executor()),
      last_question_(std::chrono::steady_clock::now()),
      last_heard_(last_question_) {}

websocket_session::~websocket_session() {
  if (accepted_) state_->stats().websockets_open.fetch_sub(1, std::memory_order_relaxed);
  state_->stats().sessions_destroyed.fetch_add(1, std::memory_order_relaxed);
  state_->leave(this);
}

void websocket_session::fail(error_code ec, const char* what) {
  if (ec == websocket::error::message_too_big) state_->stats().count_error("too_big");
  // After a drop, the operations still pending fail on the closed socket (bad descriptor): expected.
  const log_level level = quiet_error(ec) || dropped_ ? log_level::debug : log_level::info;
  if (state_->log_enabled(level))
    state_->log(level, std::string("websocket ") + what + " peer=" + ticket_.ip() + ": " + ec.message());
}

void websocket_session::run(http::request<http::string_body> req) {
  const auto& cfg = state_->cfg();
  // Beast times the opening and closing handshakes; the pings and the idle close are on_timer's.
  websocket::stream_base::timeout timeout{};
  timeout.handshake_timeout = cfg.handshake_timeout;
  timeout.idle_timeout = websocket::stream_base::none();
  timeout.keep_alive_pings = false;
  ws_.set_option(timeout);
  // Called from inside ws_'s own read, so on the strand while this session is alive.
  ws_.control_callback([this](websocket::frame_type, beast::string_view) {
    last_heard_ = std::chrono::steady_clock::now();
  });
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "advisor"); }));
  // Past the soft limit a message gets a too_long error; past this hard one Beast closes (1009).
  ws_.read_message_max(cfg.max_message_bytes * cfg.hard_message_factor);
  ws_.auto_fragment(false);
  ws_.text(true);
  state_->join(shared_from_this());
  ws_.async_accept(req, beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

void websocket_session::on_accept(error_code ec) {
  if (ec) return fail(ec, "accept");
  accepted_ = true;
  auto& stats = state_->stats();
  stats.websockets_open.fetch_add(1, std::memory_order_relaxed);
  stats.websockets_total.fetch_add(1, std::memory_order_relaxed);
  if (state_->log_enabled(log_level::debug)) state_->log(log_level::debug, "websocket open peer=" + ticket_.ip());

  nlohmann::json hello;
  try {
    hello = state_->app().hello();
  } catch (const std::exception& e) {
    state_->log(log_level::error, std::string("handler hello failed: ") + e.what());
    hello = nlohmann::json::object();
  }
  if (!hello.is_object()) hello = nlohmann::json::object();
  hello["type"] = "hello";
  send(dump(hello));
  if (closing_) {
    // Shutdown arrived during the handshake: the close frame follows the hello (see on_write).
    if (!writing_now_) do_close();
    return;
  }
  last_question_ = last_heard_ = std::chrono::steady_clock::now();
  arm_timer(last_heard_);
  do_read();
}

void websocket_session::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(error_code ec, std::size_t bytes) {
  if (ec) {
    // The connection is over: nothing may keep this session alive any longer.
    timer_.cancel();
    return fail(ec, "read");
  }
  last_heard_ = std::chrono::steady_clock::now();
  const std::string_view payload(static_cast<const char*>(buffer_.data().data()), bytes);
  if (!closing_) handle(payload, ws_.got_text(), last_heard_);
  buffer_.consume(buffer_.size());
  if (dropped_) return;
  do_read();
}

void websocket_session::handle(std::string_view payload, bool text, std::chrono::steady_clock::time_point arrived) {
  const auto& cfg = state_->cfg();
  auto& stats = state_->stats();
  auto message = check_envelope(payload, text, cfg.max_message_bytes);
  // Every message costs a token, a bad one included, so garbage can't be sent faster than questions.
  if (!bucket_.take(arrived)) {
    message.code = "rate_limited";
    message.message = "too many messages: at most " + std::to_string(cfg.questions_per_second) + " a second";
  }
  if (!message.ok()) {
    send_error(message.id, message.code, message.message);
    if (++strikes_ > cfg.max_strikes) start_close(websocket::close_code::policy_error, "too many refused messages");
    return;
  }
  strikes_ = 0;
  last_question_ = arrived;
  stats.questions.fetch_add(1, std::memory_order_relaxed);
  const question q{message.id.get_ref<const std::string&>(), message.text, message.context};
  std::string members;
  try {
    members = state_->app().ask(q);
  } catch (const std::exception& e) {
    state_->log(log_level::error, std::string("handler failed on a question: ") + e.what());
    return send_error(message.id, "internal", "the server could not answer this question");
  }
  if (members.size() < 2 || members.front() != '{' || members.back() != '}')
    return send_error(message.id, "internal", "the server could not answer this question");
  send(answer_frame(message.id_json, members));
  stats.answers.fetch_add(1, std::memory_order_relaxed);
  stats.observe_latency(std::chrono::steady_clock::now() - arrived);
}

void websocket_session::send_error(const nlohmann::json& id, std::string_view code, const std::string& message) {
  state_->stats().count_error(code);
  send(dump({{"type", "error"}, {"id", id}, {"code", code}, {"message", message}}));
}

void websocket_session::send(std::string message) {
  if (close_sent_ || dropped_) return;
  if (queue_.size() + 1 > state_->cfg().write_queue_limit) return drop("write queue full");
  if (writing_now_) {
    queue_.push_back(std::move(message));
    return;
  }
  writing_ = std::move(message);
  writing_now_ = true;
  ws_.async_write(net::buffer(writing_), beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(error_code ec, std::size_t) {
  writing_now_ = false;
  if (ec) return fail(ec, "write");
  if (!queue_.empty()) {
    writing_ = std::move(queue_.front());
    queue_.erase(queue_.begin());
    writing_now_ = true;
    ws_.async_write(net::buffer(writing_),
                    beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
    return;
  }
  writing_.clear();
  writing_.shrink_to_fit();  // an idle connection holds no reply
  if (closing_ && !pinging_) do_close();
}

void websocket_session::shutdown() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    self->start_close(websocket::close_code::going_away, "server shutting down");
  });
}

void websocket_session::start_close(websocket::close_code code, const char* reason) {
  if (closing_ || dropped_) return;
  closing_ = true;
  close_reason_ = websocket::close_reason(code, reason);
  timer_.cancel();
  // A close frame may not overtake a write in progress, nor interrupt a handshake, nor be
  // written while a ping is (Beast allows one control frame write at a time).
  if (accepted_ && !writing_now_ && !pinging_) do_close();
}

void websocket_session::do_close() {
  if (close_sent_ || dropped_) return;
  close_sent_ = true;
  queue_.clear();
  ws_.async_close(close_reason_, beast::bind_front_handler(&websocket_session::on_close, shared_from_this()));
}

void websocket_session::on_close(error_code ec) {
  if (ec) return fail(ec, "close");
  // The read loop ends with websocket::error::closed, which releases this session.
}

void websocket_session::arm_timer(std::chrono::steady_clock::time_point now) {
  const auto& cfg = state_->cfg();
  const auto ping_interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(cfg.ping_interval);
  // Ping after one interval of silence; give up after a second one with no answer.
  auto next = last_heard_ + (awaiting_pong() ? 2 : 1) * ping_interval;
  if (cfg.idle_timeout.count() > 0)
    next = std::min(next, last_question_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                               cfg.idle_timeout));
  timer_.expires_at(std::max(next, now));
  timer_.async_wait(beast::bind_front_handler(&websocket_session::on_timer, shared_from_this()));
}

void websocket_session::on_timer(error_code ec) {
  if (ec || closing_ || dropped_) return;  // cancelled: the session is closing
  // The timer is not moved on every frame (that would cost a cancel each time); it checks here.
  const auto now = std::chrono::steady_clock::now();
  const auto& cfg = state_->cfg();
  if (cfg.idle_timeout.count() > 0 && now - last_question_ >= cfg.idle_timeout)
    return start_close(websocket::close_code::going_away, "idle");
  const auto silent = now - last_heard_;
  if (awaiting_pong() && silent >= 2 * cfg.ping_interval) return drop("no answer to a ping");
  if (!awaiting_pong() && silent >= cfg.ping_interval) {
    pinged_at_ = now;
    pinging_ = true;
    ws_.async_ping({}, beast::bind_front_handler(&websocket_session::on_ping, shared_from_this()));
  }
  arm_timer(now);
}

void websocket_session::on_ping(error_code ec) {
  pinging_ = false;
  if (ec) return fail(ec, "ping");
  if (closing_ && !writing_now_) do_close();
}

void websocket_session::drop(const char* why) {
  dropped_ = true;
  state_->stats().clients_dropped.fetch_add(1, std::memory_order_relaxed);
  if (state_->log_enabled(log_level::info))
    state_->log(log_level::info, std::string("websocket dropped peer=") + ticket_.ip() + ": " + why);
  timer_.cancel();
  // Not a close frame: the peer is not reading. Closing the socket fails every pending operation.
  error_code ignored;
  beast::get_lowest_layer(ws_).shutdown(tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).close(ignored);
}

}  // namespace advisor::transport
