#pragma once
// A real Beast WebSocket (and HTTP) client for the loopback tests: every operation runs on the
// client's own io_context with a deadline, so a misbehaving server fails a test instead of hanging it.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace advisor::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;
using namespace std::chrono_literals;

class ws_client {
 public:
  // Runs `start(handler)` and waits at most `limit` for the handler; a late operation is cancelled
  // and reported as beast::error::timeout.
  template <class Start>
  beast::error_code wait(Start&& start, std::chrono::steady_clock::duration limit = 5s) {
    beast::error_code result;
    bool done = false;
    start([&](beast::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc_.restart();
    ioc_.run_for(limit);
    if (!done) {
      // Closing (not just cancelling) also fails whatever the operation would chain next.
      beast::get_lowest_layer(ws_).close();
      ioc_.restart();
      ioc_.run();
      return beast::error::timeout;
    }
    return result;
  }

  // Connects and completes the handshake; `status` gets the HTTP status of the server's reply.
  beast::error_code connect(std::uint16_t port, const std::string& origin = {}, const std::string& target = "/chat",
                            const std::string& host = {}) {
    const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
    if (auto ec = wait([&](auto h) { beast::get_lowest_layer(ws_).async_connect(ep, h); })) return ec;
    ws_.set_option(websocket::stream_base::decorator([origin](websocket::request_type& req) {
      if (!origin.empty()) req.set(http::field::origin, origin);
    }));
    const std::string host_header = host.empty() ? "127.0.0.1:" + std::to_string(port) : host;
    return wait([&](auto h) { ws_.async_handshake(response_, host_header, target, h); });
  }

  unsigned status() const { return response_.result_int(); }

  beast::error_code send_text(const std::string& s) {
    ws_.text(true);
    return wait([&](auto h) { ws_.async_write(net::buffer(s), h); });
  }
  beast::error_code send_binary(const std::string& s) {
    ws_.binary(true);
    return wait([&](auto h) { ws_.async_write(net::buffer(s), h); });
  }
  beast::error_code send(const json& j) { return send_text(j.dump()); }

  // The next message as JSON; nothing when the read fails (see last_error()) or it is not JSON.
  std::optional<json> read(std::chrono::steady_clock::duration limit = 5s) {
    buffer_.clear();
    last_error_ = wait([&](auto h) { ws_.async_read(buffer_, h); }, limit);
    if (last_error_) return std::nullopt;
    auto j = json::parse(beast::buffers_to_string(buffer_.data()), nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
  }

  // Sends an ask and reads the reply (skipping nothing: the reply must come next).
  std::optional<json> ask(const std::string& id, const std::string& text, const json& context = nullptr) {
    json msg = {{"type", "ask"}, {"id", id}, {"text", text}};
    if (!context.is_null()) msg["context"] = context;
    if (send(msg)) return std::nullopt;
    return read();
  }

  beast::error_code close() {
    return wait([&](auto h) { ws_.async_close(websocket::close_code::normal, h); });
  }

  const beast::error_code& last_error() const { return last_error_; }
  websocket::close_reason close_reason() const { return ws_.reason(); }
  websocket::stream<beast::tcp_stream>& stream() { return ws_; }

 private:
  net::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_{ioc_};
  websocket::response_type response_;
  beast::flat_buffer buffer_;
  beast::error_code last_error_;
};

struct http_reply {
  unsigned status = 0;
  std::string body;
  http::response<http::string_body> raw;
  std::string header(http::field f) const { return std::string(raw[f]); }
  std::string header(const char* name) const { return std::string(raw[name]); }
};

// One HTTP/1.1 request over a fresh connection. `target` is sent exactly as given.
inline http_reply http_get(std::uint16_t port, const std::string& target,
                           std::initializer_list<std::pair<http::field, std::string>> headers = {},
                           http::verb method = http::verb::get) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(5s);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.keep_alive(false);
  for (const auto& [f, v] : headers) req.set(f, v);
  http::write(stream, req);
  beast::flat_buffer buffer;
  http_reply reply;
  http::response_parser<http::string_body> parser;
  if (method == http::verb::head) parser.skip(true);
  http::read(stream, buffer, parser);
  reply.raw = parser.release();
  reply.status = reply.raw.result_int();
  reply.body = reply.raw.body();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return reply;
}

}  // namespace advisor::test
