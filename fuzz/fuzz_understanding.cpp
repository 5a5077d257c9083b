// Any bytes as a visitor's message, with any context object, against the bundled knowledge:
// the first line is the context as JSON (anything that doesn't parse counts as none, as a bad
// context does on the wire), the rest is the message. The answer's context goes back once, as a
// client hands it over with the next question.
//
// Checked besides crashes, leaks and UB:
//   - a context read from JSON reads back the same after one more round trip (from_json keeps
//     only well-formed parts, so what it keeps must survive itself);
//   - a message that is valid UTF-8 gets an answer that is valid UTF-8 (the wire can't carry
//     anything else).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

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

conversation_context round_trip(const json& j) {
  const auto c = conversation_context::from_json(j);
  const auto again = conversation_context::from_json(c.to_json());
  if (again.to_json() != c.to_json())
    fail("a context changed on its second round trip", c.to_json().dump(-1, ' ', false, json::error_handler_t::replace));
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

  const json context_json = json::parse(context_text, nullptr, false);  // discarded when invalid
  const auto& r = bundled();
  const auto first = r.ask(text, round_trip(context_json));
  const json wire = first.to_json();
  if (valid_utf8(text)) {
    try {
      (void)wire.dump();  // strict: throws on a string that is not UTF-8
    } catch (const json::type_error& e) {
      fail("an answer to valid UTF-8 is not valid UTF-8", e.what());
    }
  }

  // The next turn, with the context as the client sends it back.
  const auto second = r.ask(text, round_trip(wire["context"]), true);
  (void)second.to_json().dump(-1, ' ', false, json::error_handler_t::replace);
  return 0;
}
