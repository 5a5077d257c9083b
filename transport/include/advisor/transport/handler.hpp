#pragma once
// What the chat server asks of the application. The transport owns the wire: it checks every
// message's envelope (size, UTF-8, JSON, `type`, `id`, rate) and answers bad ones with error frames
// itself, so a handler only ever sees a well-formed question.
//
// Thread-safety: the server calls a handler from all its threads at once, so every member must be
// safe to call concurrently. Calls never overlap for one connection. A handler must outlive the
// server it is given to. Exceptions thrown by ask() become an `internal` error frame for that one
// message; hello() and the others should not throw (a throw closes that connection or request).

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace advisor::transport {

// One visitor question, as it arrived in {"type": "ask", "id": ..., "text": ..., "context": ...}.
// The views are valid for the duration of the call only.
struct question {
  std::string_view id;    // 1 to 64 bytes, chosen by the client
  std::string_view text;  // valid UTF-8, at most config::max_message_bytes
  // The client's `context` member as JSON text, untrusted but well-formed: an object's text, or
  // "null" when absent or null.
  std::string_view context;
};

// A GET of a path the server has no file or route of its own for (e.g. an owner's report page).
struct page_request {
  std::string_view path;           // without the query
  std::string_view query;          // after '?', still percent-encoded
  std::string_view authorization;  // the Authorization header as sent ("" when absent)
};

struct page {
  unsigned status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::string content_security_policy;  // "" sends the server's default policy for HTML
  std::string www_authenticate;         // for a 401: how to authenticate ("Bearer")
};

class handler {
 public:
  virtual ~handler() = default;

  // Members of the frame sent when a WebSocket opens, besides "type": "hello" (e.g. "version",
  // "text", "suggestions").
  virtual nlohmann::json hello() = 0;

  // The members of the answer frame besides "type": "answer" and "id" (which the server puts in
  // front), as serialized JSON object text, e.g. {"text":"...","topics":[...]}. Text rather than a
  // json value, so a handler can answer a repeated question from a cache without building and
  // serializing the answer again. Anything but an object's text becomes an `internal` error frame.
  virtual std::string ask(const question& q) = 0;

  // Members added to the /healthz body (the server adds "status" and "uptime_seconds").
  virtual nlohmann::json health() { return nlohmann::json::object(); }

  // Appends Prometheus text-format metrics of the application to `out` (the server writes its own).
  virtual void write_metrics(std::string& out) { (void)out; }

  // A page of the application's own, or nullopt for a 404. Called on a server thread, so it
  // should be quick; pages are never cached by the browser (Cache-Control: no-store).
  virtual std::optional<page> get(const page_request& r) {
    (void)r;
    return std::nullopt;
  }
};

}  // namespace advisor::transport
