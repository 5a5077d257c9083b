#include "advisor/engine/knowledge_check.hpp"

#include <set>

#include "advisor/engine/responder.hpp"
#include "nlu/stemmer.hpp"
#include "rule_base_data.hpp"
#include "understand/intent_scorer.hpp"
#include "understand/prepare.hpp"

namespace advisor::engine {
namespace {

diagnostic at(const detail::rule_base_data& data, const detail::source_pos& pos, severity level, std::string code,
              std::string message, std::string hint = {}) {
  diagnostic d;
  d.level = level;
  d.code = std::move(code);
  d.message = std::move(message);
  d.hint = std::move(hint);
  d.file = pos.file < data.files.size() ? data.files[pos.file] : "";
  d.line = pos.line;
  d.column = pos.column;
  return d;
}

std::string two_places(double d) {
  std::string s = std::to_string(d);
  return s.substr(0, s.find('.') + 3);
}

}  // namespace

std::vector<diagnostic> check_knowledge(const rule_base& base) {
  const auto& data = base.data();
  const auto& model = *data.model;
  std::vector<diagnostic> out;
  detail::stemmer stem;
  double floor = model.number_setting("confidence-floor", 0.5);

  // Every example must reach its own intent, and first (ChatScript's :verify).
  for (const auto& intent : model.intents) {
    for (const auto& example : intent.examples) {
      auto msg = detail::prepare_message(model, example.text, stem);
      auto scores = detail::score_intents(model, msg);
      double own = 0;
      for (const auto& s : scores)
        if (model.intents[s.intent].name == intent.name) own = s.score;
      if (own < floor) {
        out.push_back(at(data, example.pos, severity::error, "check.example_misses_intent",
                         "this example of '" + intent.name + "' does not reach it (score " + two_places(own) + ")"));
        continue;
      }
      for (const auto& s : scores) {
        const auto& other = model.intents[s.intent].name;
        if (other == intent.name || s.score < own) continue;
        out.push_back(at(data, example.pos, severity::error, "check.example_reaches_other_intent",
                         "this example of '" + intent.name + "' reaches intent '" + other + "' first (" +
                             two_places(s.score) + " against " + two_places(own) + ")",
                         "reword it, or move it to '" + other + "' if that is what it asks"));
        break;
      }
    }
  }

  // Suggested follow-ups are put in visitors' mouths: the assistant must understand them.
  responder r(std::shared_ptr<const rule_base>(std::shared_ptr<const rule_base>{}, &base));
  std::string fallback = model.setting("fallback-topic").value_or("fallback");
  for (const auto& [topic, answer] : model.answers)
    for (const auto& s : answer.suggestions) {
      auto a = r.ask(s);
      if (!a.topics.empty() && a.topics.front() == fallback)
        out.push_back(at(data, answer.pos, severity::warning, "check.suggestion_not_understood",
                         "the suggestion \"" + s + "\" of '" + topic + "' is answered with '" + fallback + "'"));
    }

  // A rule waiting for facts nothing ever adds can never fire.
  std::set<std::uint32_t> produced;
  for (std::uint32_t i = 0; i < data.relations.size(); ++i)
    if (data.relations[i].builtin) produced.insert(i);
  for (const auto& f : data.initial_facts) produced.insert(f.relation);
  for (const auto& rule : data.rules)
    for (const auto& a : rule.actions)
      if (a.kind == detail::action_kind::add || a.kind == detail::action_kind::remember ||
          a.kind == detail::action_kind::emit || a.kind == detail::action_kind::change)
        produced.insert(a.relation);
  std::set<std::string> intents_used;
  for (const auto& rule : data.rules) {
    for (const auto& p : rule.patterns) {
      auto rel = data.alpha_nodes[p.alpha].relation;
      if (!p.negated && !produced.count(rel)) {
        out.push_back(at(data, rule.pos, severity::warning, "check.rule_never_fires",
                         "rule '" + rule.name + "' can never fire: nothing adds a '" + data.relations[rel].name + "' fact"));
        break;
      }
      if (data.relations[rel].name == "intent" || data.relations[rel].name == "previous-intent")
        for (const auto& [slot, c] : data.alpha_nodes[p.alpha].equalities)
          if (slot == 0) intents_used.insert(data.symbols.text(c.id));
    }
  }
  for (const auto& intent : model.intents)
    if (!intent.follow_up && !intents_used.count(intent.name))
      out.push_back(at(data, intent.pos, severity::warning, "check.intent_unused",
                       "no rule looks at intent '" + intent.name + "', so recognising it changes nothing"));
  return out;
}

}  // namespace advisor::engine
