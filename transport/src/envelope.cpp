#include "envelope.hpp"

#include <simdjson.h>

namespace advisor::transport {

namespace {

envelope fail(envelope e, std::string code, std::string message) {
  e.code = std::move(code);
  e.message = std::move(message);
  return e;
}

bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Past the string whose opening quote is at `i`: the index after its closing quote.
std::size_t skip_string(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '"') return i + 1;
  }
  return s.size();
}

// Past the value that starts at `i`.
std::size_t skip_value(std::string_view s, std::size_t i) {
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') {
    std::size_t depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = skip_string(s, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return i + 1;
      ++i;
    }
    return s.size();
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !space(s[i])) ++i;
  return i;
}

// The raw text of the first top-level `id` and `context` values of `json`, an object that
// simdjson has already validated, so that the context can be handed on as sent rather than
// serialized again. False when a key is written with an escape (then the caller serializes).
bool raw_members(std::string_view json, std::string_view& id, std::string_view& context) {
  std::size_t i = 0;
  const auto skip_space = [&] {
    while (i < json.size() && space(json[i])) ++i;
  };
  skip_space();
  if (i >= json.size() || json[i] != '{') return false;  // e.g. a byte-order mark first
  ++i;
  while (true) {
    skip_space();
    if (i >= json.size() || json[i] != '"') return true;  // '}'
    const std::size_t key_end = skip_string(json, i);
    const std::string_view key = json.substr(i + 1, key_end - i - 2);
    if (key.find('\\') != std::string_view::npos) return false;
    i = key_end;
    skip_space();
    ++i;  // ':'
    skip_space();
    const std::size_t value_end = skip_value(json, i);
    const std::string_view value = json.substr(i, value_end - i);
    if (key == "id" && id.empty()) id = value;
    if (key == "context" && context.empty()) context = value;
    i = value_end;
    skip_space();
    ++i;  // ',' or '}'
  }
}

}  // namespace

envelope check_envelope(std::string_view payload, bool text_frame, std::size_t max_bytes) {
  envelope e;
  if (!text_frame) return fail(std::move(e), "not_text", "binary frames are not accepted: send JSON as text");
  if (payload.size() > max_bytes)
    return fail(std::move(e), "too_long",
                "message is " + std::to_string(payload.size()) + " bytes, the limit is " + std::to_string(max_bytes));
  // (An empty frame's payload may have no buffer at all, which simdjson must not be handed.)
  if (payload.empty()) return fail(std::move(e), "bad_json", "message is not valid JSON");
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  // true: copy into a padded buffer when the payload's own is too close to a page end to be read past.
  // simdjson validates the UTF-8 of the whole message as it parses (Beast checks text frames too).
  if (const auto error = parser.parse(payload.data(), payload.size(), true).get(doc))
    return error == simdjson::UTF8_ERROR ? fail(std::move(e), "bad_utf8", "message is not valid UTF-8")
                                         : fail(std::move(e), "bad_json", "message is not valid JSON");
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
  const bool has_context = !message["context"].get(context) && !context.is_null();
  if (has_context && !context.is_object())
    return fail(std::move(e), "bad_context", "\"context\" must be an object: the previous answer's context");
  e.text = text;

  std::string_view raw_id, raw_context;
  if (raw_members(payload, raw_id, raw_context) && raw_id.size() >= 2 &&
      (!has_context || (raw_context.size() >= 2 && raw_context.front() == '{'))) {
    e.id_json = raw_id;
    if (has_context) e.context = raw_context;
  } else {
    e.id_json = simdjson::minify(message["id"]);
    if (has_context) e.context = simdjson::minify(context);
  }
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
