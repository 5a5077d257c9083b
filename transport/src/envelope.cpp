#include "envelope.hpp"

#include <simdjson.h>

namespace advisor::transport {

bool valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false;  // a continuation byte first, C0/C1 (overlong) or F5..FF
    }
    if (static_cast<std::size_t>(end - p) <= n) return false;
    for (std::size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    // Overlong three- and four-byte forms, UTF-16 surrogates, and past U+10FFFF.
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    p += n + 1;
  }
  return true;
}

namespace {

envelope fail(envelope e, std::string code, std::string message) {
  e.code = std::move(code);
  e.message = std::move(message);
  return e;
}

}  // namespace

envelope check_envelope(std::string_view payload, bool text_frame, std::size_t max_bytes) {
  envelope e;
  if (!text_frame) return fail(std::move(e), "not_text", "binary frames are not accepted: send JSON as text");
  if (payload.size() > max_bytes)
    return fail(std::move(e), "too_long",
                "message is " + std::to_string(payload.size()) + " bytes, the limit is " + std::to_string(max_bytes));
  if (!valid_utf8(payload)) return fail(std::move(e), "bad_utf8", "message is not valid UTF-8");
  // (An empty frame's payload may have no buffer at all, which simdjson must not be handed.)
  if (payload.empty()) return fail(std::move(e), "bad_json", "message is not valid JSON");
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  // true: copy into a padded buffer when the payload's own is too close to a page end to be read past.
  if (parser.parse(payload.data(), payload.size(), true).get(doc))
    return fail(std::move(e), "bad_json", "message is not valid JSON");
  simdjson::dom::object message;
  if (doc.get(message)) return fail(std::move(e), "bad_json", "message must be a JSON object");

  // The id first, so that every later error can name the message it is about.
  std::string_view id;
  if (message["id"].get_string().get(id) || id.empty() || id.size() > max_id_bytes)
    return fail(std::move(e), "bad_id", "\"id\" must be a string of 1 to " + std::to_string(max_id_bytes) + " bytes");
  e.id = std::string(id);

  std::string_view type;
  if (message["type"].get_string().get(type) || type != "ask")
    return fail(std::move(e), "bad_type", "\"type\" must be \"ask\"");

  std::string_view text;
  if (message["text"].get_string().get(text) || text.empty())
    return fail(std::move(e), "bad_text", "\"text\" must be a non-empty string");

  simdjson::dom::element context;
  if (!message["context"].get(context) && !context.is_null()) {
    if (!context.is_object())
      return fail(std::move(e), "bad_context", "\"context\" must be an object: the previous answer's context");
    e.context = simdjson::minify(context);
  }
  e.text = text;
  return e;
}

std::string answer_frame(std::string_view id_json, std::string_view members) {
  static constexpr std::string_view head = R"({"type":"answer","id":)";
  std::string_view rest = members.substr(1);  // past the '{'
  const auto first = rest.find_first_not_of(" \t\r\n");
  const bool empty = first == std::string_view::npos || rest[first] == '}';
  std::string out;
  out.reserve(head.size() + id_json.size() + 1 + rest.size());
  out.append(head).append(id_json);
  if (empty) return out += '}';
  out += ',';
  return out.append(rest);
}

}  // namespace advisor::transport
