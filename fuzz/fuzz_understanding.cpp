// Any bytes as a visitor's message, with any context, against the bundled knowledge: the first
// line is the context's JSON text, read as the chat server reads it (conversation_context::parse),
// the rest is the message. The answer's context goes back once, as a client hands it over with
// the next question.
//
// Checked besides crashes, leaks and UB:
//   - the server's reading of a context (parse, simdjson) and the command line's (from_json, on
//     nlohmann's DOM) agree on any text both parsers accept (they differ on a few edges of JSON:
//     integers past 64 bits, text after a NUL byte) that has no duplicate keys (which the two may
//     resolve differently);
//   - a context reads back the same after a round trip through its JSON;
//   - a message that is valid UTF-8 gets an answer that is valid UTF-8 (the wire can't carry
//     anything else).

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "advisor/engine/responder.hpp"
#include "advisor/loader/knowledge_dir.hpp"

namespace {

using advisor::engine::conversation_context;
using nlohmann::json;

const advisor::engine::responder& bundled() {
  static const auto r = [] {
    auto base = advisor::loader::load_knowledge_dir(ADVISOR_FUZZ_KNOWLEDGE);
    if (!base) {
      std::fprintf(stderr, "fuzz_understanding: %s\n", to_string(base.errors()).c_str());
      std::abort();
    }
    return std::make_unique<advisor::engine::responder>(*base);
  }();
  return *r;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool valid_utf8(std::string_view s) {
  try {
    (void)json(std::string(s)).dump();  // the strict serializer refuses invalid UTF-8
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_understanding: %s\n%s\n", what, detail.c_str());
  std::abort();
}

void same(const conversation_context& a, const conversation_context& b, const char* what, std::string_view input) {
  if (a.to_json() != b.to_json()) fail(what, std::string(input) + "\n" + dump(a.to_json()) + "\n" + dump(b.to_json()));
}

bool simdjson_accepts(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return !text.empty() && !parser.parse(text.data(), text.size(), true).get(doc);
}

// Whether nlohmann's parser sees an object with the same key twice.
bool duplicate_keys(std::string_view text) {
  std::vector<std::set<std::string>> open;
  bool duplicate = false;
  const json::parser_callback_t watch = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open.emplace_back();
    if (event == json::parse_event_t::object_end && !open.empty()) open.pop_back();
    if (event == json::parse_event_t::key && !open.empty() && !open.back().insert(parsed.get<std::string>()).second)
      duplicate = true;
    return true;
  };
  (void)json::parse(text, watch, false);
  return duplicate;
}

// The context as the server reads it, checked against the other reading and its own round trip.
conversation_context read_context(std::string_view text) {
  const auto c = conversation_context::parse(text);
  const bool comparable = simdjson_accepts(text) && !duplicate_keys(text);
  if (const json dom = json::parse(text, nullptr, false); comparable && !dom.is_discarded())
    same(c, conversation_context::from_json(dom), "parse and from_json read a context differently", text);
  same(c, conversation_context::parse(dump(c.to_json())), "a context changed on a round trip", text);
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)bundled();  // load once, before the first input, so its time is not charged to one
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nl = input.find('\n');
  const std::string_view context_text = nl == std::string_view::npos ? std::string_view{} : input.substr(0, nl);
  const std::string_view text = nl == std::string_view::npos ? input : input.substr(nl + 1);

  const auto& r = bundled();
  const auto first = r.ask(text, read_context(context_text));
  const json wire = first.to_json();
  if (valid_utf8(text)) {
    try {
      (void)wire.dump();  // strict: throws on a string that is not UTF-8
    } catch (const json::type_error& e) {
      fail("an answer to valid UTF-8 is not valid UTF-8", e.what());
    }
  }

  // The next turn, with the context as the client sends it back.
  const auto second = r.ask(text, read_context(dump(wire["context"])), true);
  (void)dump(second.to_json());
  return 0;
}
