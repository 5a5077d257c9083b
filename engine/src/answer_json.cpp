#include "advisor/engine/answer.hpp"

namespace advisor::engine {
namespace {

// Bounds on what a client may hand back: enough for any real conversation, small enough that a
// forged context costs nothing to read.
constexpr std::size_t max_context_string = 64;
constexpr std::size_t max_context_items = 16;

bool short_string(const nlohmann::json& j) {
  return j.is_string() && j.get_ref<const std::string&>().size() <= max_context_string;
}

}  // namespace

nlohmann::json conversation_context::to_json() const {
  nlohmann::json entities_json = nlohmann::json::array();
  for (const auto& e : entities) entities_json.push_back({{"type", e.type}, {"value", e.value}, {"age", e.age}});
  return {{"turn", turn}, {"intent", intent}, {"topics", topics}, {"entities", entities_json}, {"disclaimed", disclaimed}};
}

conversation_context conversation_context::from_json(const nlohmann::json& j) {
  conversation_context c;
  if (!j.is_object()) return c;
  if (auto it = j.find("turn"); it != j.end() && it->is_number_unsigned()) {
    c.turn = static_cast<std::uint32_t>(std::min<std::uint64_t>(it->get<std::uint64_t>(), 1'000'000));
  }
  if (auto it = j.find("intent"); it != j.end() && short_string(*it)) c.intent = it->get<std::string>();
  if (auto it = j.find("topics"); it != j.end() && it->is_array()) {
    for (const auto& t : *it) {
      if (c.topics.size() == max_context_items) break;
      if (short_string(t)) c.topics.push_back(t.get<std::string>());
    }
  }
  if (auto it = j.find("entities"); it != j.end() && it->is_array()) {
    for (const auto& e : *it) {
      if (c.entities.size() == max_context_items) break;
      if (!e.is_object()) continue;
      auto type = e.find("type"), value = e.find("value"), age = e.find("age");
      if (type == e.end() || value == e.end() || !short_string(*type) || !short_string(*value)) continue;
      entity en{type->get<std::string>(), value->get<std::string>(), 0};
      if (age != e.end() && age->is_number_unsigned())
        en.age = static_cast<std::uint32_t>(std::min<std::uint64_t>(age->get<std::uint64_t>(), 1000));
      c.entities.push_back(std::move(en));
    }
  }
  if (auto it = j.find("disclaimed"); it != j.end() && it->is_boolean()) c.disclaimed = it->get<bool>();
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
