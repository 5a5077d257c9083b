#include "http_session.hpp"

#include <chrono>

#include "origin.hpp"
#include "websocket_session.hpp"

namespace advisor::transport {
namespace {

constexpr std::uint32_t header_limit = 8 * 1024;
constexpr std::uint64_t body_limit = 4 * 1024;  // we serve GET; a body is never needed

void security_headers(http::fields& f) {
  f.set(http::field::server, "advisor");
  f.set("X-Content-Type-Options", "nosniff");
  f.set("Referrer-Policy", "no-referrer");
}

template <class Body>
void common(http::response<Body>& res, const http::request<http::string_body>& req) {
  security_headers(res.base());
  res.keep_alive(req.keep_alive());
}

http::message_generator text_response(const http::request<http::string_body>& req, http::status status,
                                      std::string_view content_type, std::string body,
                                      std::string_view cache_control = "no-store") {
  http::response<http::string_body> res{status, req.version()};
  common(res, req);
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, cache_control);
  const auto size = body.size();
  if (req.method() != http::verb::head) res.body() = std::move(body);
  res.prepare_payload();
  if (req.method() == http::verb::head) res.content_length(size);
  return res;
}

http::message_generator error_response(const http::request<http::string_body>& req, http::status status,
                                       std::string message) {
  return text_response(req, status, "text/plain; charset=utf-8", std::move(message) + "\n");
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find_first_of("?#")); }

std::string_view header(const http::request<http::string_body>& req, http::field f) {
  auto it = req.find(f);
  return it == req.end() ? std::string_view{} : std::string_view(it->value().data(), it->value().size());
}

// A path that is no file: the application's, if it has a page there.
http::message_generator app_page(shared_state& state, const http::request<http::string_body>& req,
                                 std::string_view target) {
  const auto query_at = target.find('?');
  const page_request r{path_of(target),
                       query_at == std::string_view::npos ? std::string_view{} : target.substr(query_at + 1),
                       header(req, http::field::authorization)};
  std::optional<page> p;
  try {
    p = state.app().get(r);
  } catch (const std::exception& e) {
    state.log(log_level::error, std::string("handler failed on a page: ") + e.what());
    return error_response(req, http::status::internal_server_error, "internal error");
  }
  if (!p) return error_response(req, http::status::not_found, "not found");
  http::response<http::string_body> res{static_cast<http::status>(p->status), req.version()};
  common(res, req);
  res.set(http::field::content_type, p->content_type);
  res.set(http::field::cache_control, "no-store");
  res.set("Content-Security-Policy",
          p->content_security_policy.empty() ? state.cfg().content_security_policy : p->content_security_policy);
  if (!p->www_authenticate.empty()) res.set(http::field::www_authenticate, p->www_authenticate);
  const auto size = p->body.size();
  if (req.method() != http::verb::head) res.body() = std::move(p->body);
  res.prepare_payload();
  if (req.method() == http::verb::head) res.content_length(size);
  return res;
}

}  // namespace

http::message_generator handle_request(shared_state& state, const http::request<http::string_body>& req) {
  state.stats().http_requests.fetch_add(1, std::memory_order_relaxed);
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = path_of(target);

  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    http::response<http::string_body> res{http::status::method_not_allowed, req.version()};
    common(res, req);
    res.set(http::field::allow, "GET, HEAD");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "only GET and HEAD are served here\n";
    res.prepare_payload();
    return res;
  }

  if (path == "/healthz") {
    nlohmann::json body;
    try {
      body = state.app().health();
    } catch (...) {
      body = nlohmann::json::object();
    }
    if (!body.is_object()) body = nlohmann::json::object();
    const bool stopping = state.stopping();
    body["status"] = stopping ? "stopping" : "ok";
    body["uptime_seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - state.started()).count();
    // A draining server says so, and a load balancer stops sending it visitors.
    return text_response(req, stopping ? http::status::service_unavailable : http::status::ok, "application/json",
                         body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }

  if (path == "/metrics") {
    std::string out;
    state.stats().write(out);
    try {
      state.app().write_metrics(out);
    } catch (...) {
      // The transport's own figures still go out.
    }
    return text_response(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8", std::move(out));
  }

  if (path == "/chat")
    return error_response(req, http::status::upgrade_required, "this is the chat WebSocket: connect with ws://");

  auto file = state.files().lookup(target, header(req, http::field::accept_encoding),
                                   header(req, http::field::if_none_match));
  if (file.status == 400) return error_response(req, http::status::bad_request, "bad request path");
  if (file.status == 404) return app_page(state, req, target);

  http::response<http::string_body> res{file.status == 304 ? http::status::not_modified : http::status::ok,
                                        req.version()};
  common(res, req);
  res.set(http::field::etag, file.etag);
  // Revalidate every time: names carry no version, and a 304 costs a few bytes.
  res.set(http::field::cache_control, "no-cache");
  res.set(http::field::vary, "Accept-Encoding");
  if (file.html) res.set("Content-Security-Policy", state.cfg().content_security_policy);
  if (file.status == 304) return res;
  res.set(http::field::content_type, file.content_type);
  if (file.gzip) res.set(http::field::content_encoding, "gzip");
  if (req.method() == http::verb::head) {
    res.content_length(file.body->size());
  } else {
    res.body() = *file.body;
    res.prepare_payload();
  }
  return res;
}

http_session::http_session(tcp::socket&& socket, std::shared_ptr<shared_state> state, connection_ticket ticket)
    : stream_(std::move(socket)), state_(std::move(state)), ticket_(std::move(ticket)) {}

http_session::~http_session() {
  if (!upgraded_) state_->stats().sessions_destroyed.fetch_add(1, std::memory_order_relaxed);
  state_->leave(this);
}

void http_session::fail(error_code ec, const char* what) {
  if (ec == net::error::operation_aborted || ec == beast::error::timeout || ec == net::error::connection_reset ||
      ec == net::error::eof)
    return;
  if (state_->log_enabled(log_level::debug))
    state_->log(log_level::debug, std::string("http ") + what + " peer=" + ticket_.ip() + ": " + ec.message());
}

void http_session::run() {
  // The acceptor gave the socket a strand: start there, so nothing of this session runs concurrently.
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->state_->join(self);
    self->do_read();
  });
}

void http_session::shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    // Waiting for a request that would be refused anyway: give up now. A response being written
    // finishes first (on_write sees stopping_).
    if (self->reading_) self->stream_.cancel();
  });
}

void http_session::do_read() {
  if (stopping_) return do_eof();
  parser_.emplace();
  parser_->header_limit(header_limit);
  parser_->body_limit(body_limit);
  stream_.expires_after(state_->cfg().handshake_timeout);
  reading_ = true;
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(error_code ec, std::size_t) {
  reading_ = false;
  if (ec == http::error::end_of_stream) return do_eof();
  if (ec) return fail(ec, "read");
  auto& req = parser_->get();
  const std::string_view target(req.target().data(), req.target().size());

  // A Transfer-Encoding that does not end in chunked leaves the body's length unknowable (RFC 9112
  // 6.3): reading on would take the body for the next request, the request-smuggling gap. Refuse
  // and close. (Beast itself refuses Transfer-Encoding together with Content-Length.)
  if (req.count(http::field::transfer_encoding) != 0 && !req.chunked()) {
    req.keep_alive(false);
    return send(error_response(req, http::status::bad_request, "bad Transfer-Encoding"));
  }

  if (websocket::is_upgrade(req)) {
    if (path_of(target) != "/chat") return send(error_response(req, http::status::not_found, "no WebSocket here"));
    const auto origin = header(req, http::field::origin);
    if ((origin.empty() && !state_->cfg().allow_no_origin) ||
        !origin_allowed(origin, header(req, http::field::host), state_->cfg().allowed_origins)) {
      state_->stats().forbidden_origins.fetch_add(1, std::memory_order_relaxed);
      if (state_->log_enabled(log_level::info))
        state_->log(log_level::info, "websocket refused peer=" + ticket_.ip() + ": origin not allowed: " +
                                         std::string(origin.substr(0, 200)));
      req.keep_alive(false);
      return send(error_response(req, http::status::forbidden, "origin not allowed"));
    }
    if (stopping_) return send(error_response(req, http::status::service_unavailable, "server shutting down"));
    // The WebSocket session times itself from here on.
    stream_.expires_never();
    upgraded_ = true;
    std::make_shared<websocket_session>(stream_.release_socket(), state_, std::move(ticket_))
        ->run(parser_->release());
    return;
  }
  send(handle_request(*state_, req));
}

void http_session::send(http::message_generator msg) {
  const bool keep_alive = msg.keep_alive() && !stopping_;
  stream_.expires_after(state_->cfg().handshake_timeout);
  beast::async_write(stream_, std::move(msg),
                     beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, error_code ec, std::size_t) {
  if (ec) return fail(ec, "write");
  if (!keep_alive || stopping_) return do_eof();
  do_read();
}

void http_session::do_eof() {
  error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace advisor::transport
