#pragma once
// Hand-made bytes over a plain TCP socket, for the fault tests: what no well-behaved client sends
// (a frame declaring 2^63 bytes, a continuation without a start, ten thousand 1-byte fragments, a
// handshake one byte at a time). Every read has a deadline, so a server that stays silent fails a
// test instead of hanging it. Blocking sockets, no Asio: the bytes on the wire are exactly these.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace advisor::test {

class raw_socket {
 public:
  enum class status { data, eof, reset, timeout };

  // Connects to 127.0.0.1:port, from the loopback address `source` (e.g. "127.0.0.2") if given.
  // ok() tells whether it worked; errno_value() why not.
  explicit raw_socket(std::uint16_t port, const std::string& source = {}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      fail();
      return;
    }
    if (!source.empty()) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
        fail();
        return;
      }
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      fail();
      return;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~raw_socket() { close(); }
  raw_socket(raw_socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)), errno_(o.errno_) {}
  raw_socket& operator=(raw_socket&&) = delete;
  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  int errno_value() const { return errno_; }

  // Writes all of `bytes`, waiting at most `limit` for room; false once the peer is gone (never
  // SIGPIPE) or the time is up.
  bool write(std::string_view bytes, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!bytes.empty()) {
      if (!wait_for(POLLOUT, end)) return false;
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Appends to `out` whatever arrives next, waiting at most `limit`.
  status read_some(std::string& out, std::chrono::milliseconds limit) {
    if (!wait_for(POLLIN, std::chrono::steady_clock::now() + limit)) return status::timeout;
    char buf[16384];
    const auto n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      return status::data;
    }
    if (n == 0) return status::eof;
    return errno == EAGAIN || errno == EINTR ? status::data : status::reset;
  }

  // Reads (appending to `out`) until the peer closes the connection; false if it is still open
  // after `limit`.
  bool read_until_closed(std::string& out, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      const auto s = read_some(out, left);
      if (s == status::eof || s == status::reset) return true;
      if (s == status::timeout) return false;
    }
  }

  // Sends FIN: the peer reads the end of the stream, and can still write to us.
  void shutdown_write() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  void fail() {
    errno_ = errno;
    close();
  }

  bool wait_for(short events, std::chrono::steady_clock::time_point end) {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      pollfd p{fd_, events, 0};
      const int r = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())));
      if (r > 0) return true;  // ready, or an error the next call reports
      if (r == 0 || errno != EINTR) return false;
    }
  }

  int fd_ = -1;
  int errno_ = 0;
};

// WebSocket frames (RFC 6455 section 5.2).
namespace frame {

enum opcode : std::uint8_t { continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA };

// The header of a client frame: FIN, opcode, the mask bit and `length` in the shortest form the RFC
// allows (or the 8-byte form for anything over 65535, even a length the RFC forbids), then the key.
inline std::string client_header(std::uint8_t op, std::uint64_t length, bool fin = true) {
  std::string h;
  h += static_cast<char>((fin ? 0x80 : 0x00) | op);
  if (length < 126) {
    h += static_cast<char>(0x80 | length);
  } else if (length <= 0xFFFF) {
    h += static_cast<char>(0x80 | 126);
    for (int shift = 8; shift >= 0; shift -= 8) h += static_cast<char>((length >> shift) & 0xFF);
  } else {
    h += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) h += static_cast<char>((length >> shift) & 0xFF);
  }
  h += "\x12\x34\x56\x78";  // the masking key: servers must unmask, not judge its randomness
  return h;
}

// A whole masked client frame carrying `payload`.
inline std::string client(std::uint8_t op, std::string_view payload, bool fin = true) {
  std::string f = client_header(op, payload.size(), fin);
  const std::string key = f.substr(f.size() - 4);
  for (std::size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ key[i % 4]);
  return f;
}

struct server_frame {
  bool fin = true;
  std::uint8_t op = 0;
  std::string payload;

  // The status code of a close frame (1005, "none received", when it has none).
  std::uint16_t close_code() const {
    if (payload.size() < 2) return 1005;
    return static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                      static_cast<unsigned char>(payload[1]));
  }
};

// Takes one complete (unmasked) server frame off the front of `buf`; nothing if it holds less.
inline std::optional<server_frame> take(std::string& buf) {
  if (buf.size() < 2) return std::nullopt;
  const auto b0 = static_cast<unsigned char>(buf[0]);
  const auto b1 = static_cast<unsigned char>(buf[1]);
  std::size_t at = 2;
  std::uint64_t length = b1 & 0x7F;
  const std::size_t extra = length == 126 ? 2 : length == 127 ? 8 : 0;
  if (buf.size() < at + extra) return std::nullopt;
  if (extra) {
    length = 0;
    for (std::size_t i = 0; i < extra; ++i) length = (length << 8) | static_cast<unsigned char>(buf[at + i]);
    at += extra;
  }
  if (buf.size() - at < length) return std::nullopt;
  server_frame f{(b0 & 0x80) != 0, static_cast<std::uint8_t>(b0 & 0x0F),
                 buf.substr(at, static_cast<std::size_t>(length))};
  buf.erase(0, at + static_cast<std::size_t>(length));
  return f;
}

}  // namespace frame

// A minimal WebSocket client over a raw_socket: the upgrade request, then frames by hand. It
// answers pings, and sends its close frame back when the server closes. One thread reads; another
// may send() meanwhile (each frame goes out whole in one write as long as it is small).
class raw_ws {
 public:
  explicit raw_ws(std::uint16_t port, const std::string& source = {}) : port_(port), socket_(port, source) {}

  // Sends the upgrade request (with Origin when given) and reads the response's head; returns its
  // status code (101 when upgraded), 0 when there was none.
  unsigned handshake(const std::string& origin = {}, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    if (!socket_.ok() || !socket_.write(upgrade_request(port_, origin))) return 0;
    const auto end = std::chrono::steady_clock::now() + limit;
    std::size_t head_end;
    while ((head_end = in_.find("\r\n\r\n")) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0 || socket_.read_some(in_, left) != raw_socket::status::data) return 0;
    }
    head_ = in_.substr(0, head_end + 4);
    in_.erase(0, head_end + 4);  // what follows is frames (the hello may already be here)
    if (head_.rfind("HTTP/1.1 ", 0) != 0) return 0;
    return static_cast<unsigned>(std::stoul(head_.substr(9, 3)));
  }

  static std::string upgrade_request(std::uint16_t port, const std::string& origin = {}) {
    std::string r = "GET /chat HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    if (!origin.empty()) r += "Origin: " + origin + "\r\n";
    return r + "\r\n";
  }

  bool send(std::string_view bytes) { return socket_.write(bytes); }
  bool send_text(std::string_view payload) { return send(frame::client(frame::text, payload)); }

  // Reads what arrives within `limit` into the frame buffer; false when the connection ended (or
  // nothing came in time).
  bool receive(std::chrono::milliseconds limit) {
    const auto s = socket_.read_some(in_, limit);
    if (s == raw_socket::status::eof || s == raw_socket::status::reset) closed_ = true;
    return s == raw_socket::status::data;
  }

  // The next text, binary or close frame already received, if any. Pings are answered on the way;
  // a close frame is echoed and our sending side shut, as RFC 6455 section 5.5.1 asks of a client.
  std::optional<frame::server_frame> take_frame() {
    while (auto f = frame::take(in_)) {
      if (f->op == frame::ping) {
        socket_.write(frame::client(frame::pong, f->payload));
        continue;
      }
      if (f->op == frame::pong) continue;
      if (f->op == frame::close && !close_sent_) {
        close_sent_ = true;
        socket_.write(frame::client(frame::close, f->payload.substr(0, 2)));
        socket_.shutdown_write();
      }
      return f;
    }
    return std::nullopt;
  }

  // The next text, binary or close frame, within `limit`; nothing when the connection ended or the
  // time ran out first (closed() tells which).
  std::optional<frame::server_frame> next(std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
      if (auto f = take_frame()) return f;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (closed_ || left.count() <= 0 || !receive(left)) return std::nullopt;
    }
  }

  // Reads frames until the server's close frame and the end of the connection; the close frame's
  // code, or nothing if the connection ended without one or is still open after `limit`.
  std::optional<std::uint16_t> close_code(std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    std::optional<std::uint16_t> code;
    while (!closed_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto f = next(left);
      if (f && f->op == frame::close) code = f->close_code();
      if (!f && !closed_) return std::nullopt;
    }
    return code;
  }

  bool closed() const { return closed_; }
  const std::string& response_head() const { return head_; }
  raw_socket& socket() { return socket_; }

 private:
  std::uint16_t port_;
  raw_socket socket_;
  std::string in_;
  std::string head_;
  bool close_sent_ = false;
  bool closed_ = false;
};

}  // namespace advisor::test
