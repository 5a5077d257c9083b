#pragma once
// Checks one incoming WebSocket message against the chat protocol's envelope:
//   {"type": "ask", "id": "q1", "text": "...", "context": {...}}
// A pure function of the bytes, so it is unit-tested and fuzzed on its own.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace advisor::transport {

struct envelope {
  // Empty for a valid ask; otherwise the error frame's code (not_text, too_long, bad_utf8,
  // bad_json, bad_type, bad_id, bad_text, bad_context) and message.
  std::string code;
  std::string message;
  nlohmann::json id;     // the client's id when one could be read (string), else null
  std::string id_json;  // a valid ask's id as JSON text, as the client wrote it
  std::string text;
  std::string context = "null";  // the context member's JSON text (an object's) as sent, or null

  bool ok() const { return code.empty(); }
};

// Never throws on any input. Complexity: linear in the payload, read with simdjson (no allocation
// per value: this runs for every message). Malformed UTF-8 anywhere is bad_utf8, as simdjson
// validates every byte; well-formed forms only (no overlong forms, surrogates or past U+10FFFF).
envelope check_envelope(std::string_view payload, bool text_frame, std::size_t max_bytes);

constexpr std::size_t max_id_bytes = 64;

// The answer frame {"type":"answer","id":ID,...members}: `id_json` is the id's JSON text and
// `members` a handler's serialized object ({...}), spliced in without parsing it again.
std::string answer_frame(std::string_view id_json, std::string_view members);

}  // namespace advisor::transport
