#include "advisor/engine/answer.hpp"

#include <simdjson.h>

#include <algorithm>
#include <optional>

namespace advisor::engine {
namespace {

// Bounds on what a client may hand back: enough for any real conversation, small enough that a
// forged context costs nothing to read.
constexpr std::size_t max_context_string = 64;
constexpr std::size_t max_context_items = 16;
constexpr std::size_t max_context_bytes = 1 << 20;

// Whether `e` is a string short enough to keep; if so, `out` views it.
bool short_string(simdjson::dom::element e, std::string_view& out) {
  return !e.get_string().get(out) && out.size() <= max_context_string;
}

std::optional<std::uint64_t> unsigned_number(simdjson::dom::element e) {
  std::uint64_t n = 0;
  if (e.get_uint64().get(n)) return std::nullopt;
  return n;
}

}  // namespace

nlohmann::json conversation_context::to_json() const {
  nlohmann::json entities_json = nlohmann::json::array();
  for (const auto& e : entities) entities_json.push_back({{"type", e.type}, {"value", e.value}, {"age", e.age}});
  nlohmann::json j = {
      {"turn", turn}, {"intent", intent}, {"topics", topics}, {"entities", entities_json}, {"disclaimed", disclaimed}};
  if (!conversation.empty()) j["conversation"] = conversation;
  return j;
}

conversation_context conversation_context::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return {};
  return parse(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// simdjson rather than nlohmann/json: the chat server reads a context with every question, and
// simdjson reads one without an allocation per value, several times faster.
conversation_context conversation_context::parse(std::string_view json) {
  conversation_context c;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object o;
  // Empty first: an empty view may have no data at all, and simdjson would copy from that null.
  if (json.empty() || json.size() > max_context_bytes || parser.parse(json.data(), json.size(), true).get(o)) return c;
  std::string_view s;
  simdjson::dom::element e;
  if (!o["turn"].get(e))
    if (auto n = unsigned_number(e)) c.turn = static_cast<std::uint32_t>(std::min<std::uint64_t>(*n, 1'000'000));
  if (!o["intent"].get(e) && short_string(e, s)) c.intent = s;
  if (!o["conversation"].get(e) && short_string(e, s)) c.conversation = s;
  simdjson::dom::array list;
  if (!o["topics"].get(list)) {
    for (auto t : list) {
      if (c.topics.size() == max_context_items) break;
      if (short_string(t, s)) c.topics.emplace_back(s);
    }
  }
  if (!o["entities"].get(list)) {
    for (auto item : list) {
      if (c.entities.size() == max_context_items) break;
      simdjson::dom::object en;
      std::string_view type, value;
      if (item.get(en) || en["type"].get(e) || !short_string(e, type) || en["value"].get(e) || !short_string(e, value))
        continue;
      entity out{std::string(type), std::string(value), 0};
      if (!en["age"].get(e))
        if (auto n = unsigned_number(e)) out.age = static_cast<std::uint32_t>(std::min<std::uint64_t>(*n, 1000));
      c.entities.push_back(std::move(out));
    }
  }
  bool disclaimed = false;
  if (!o["disclaimed"].get(e) && !e.get_bool().get(disclaimed)) c.disclaimed = disclaimed;
  return c;
}

nlohmann::json answer::to_json() const {
  return {{"text", text},
          {"topics", topics},
          {"rules", rules},
          {"suggestions", suggestions},
          {"confidence", confidence},
          {"context", context.to_json()}};
}

}  // namespace advisor::engine
