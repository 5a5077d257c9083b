#include "advisor/engine/responder.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "advisor/engine/session.hpp"
#include "nlu/stemmer.hpp"
#include "rule_base_data.hpp"
#include "understand/intent_scorer.hpp"
#include "understand/prepare.hpp"

namespace advisor::engine {

using detail::understanding_model;

namespace {

constexpr double default_floor = 0.5;
constexpr double default_margin = 0.05;
constexpr double default_context_boost = 0.1;
constexpr double default_entity_memory = 3;
constexpr double default_max_topics = 4;
constexpr double default_max_suggestions = 3;
constexpr const char* default_clarify = "Which of these did you mean?";

// Snowball stemmers are not thread-safe; one per thread serves every responder on it.
detail::stemmer& thread_stemmer() {
  thread_local detail::stemmer stem;
  return stem;
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

// A fresh working memory per question, without building one each time: each thread keeps the
// session of the last rule base it answered with and resets it (cost proportional to what the
// last question touched). After a reload the next question on the thread starts a new one.
session& thread_session(const std::shared_ptr<const rule_base>& base) {
  thread_local std::unique_ptr<session> cached;
  if (cached && &cached->base() == base.get()) {
    cached->reset();
  } else {
    cached = std::make_unique<session>(base);
  }
  return *cached;
}

// {relation.slot}: the slot of the first such fact, as plain text.
std::string fill_placeholders(const session& s, const std::string& text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto open = text.find('{', i);
    auto close = open == std::string::npos ? open : text.find('}', open);
    if (close == std::string::npos) {
      out += text.substr(i);
      break;
    }
    out += text.substr(i, open - i);
    std::string inside = text.substr(open + 1, close - open - 1);
    auto dot = inside.find('.');
    if (dot != std::string::npos) {
      if (auto v = s.first_value(std::string_view(inside).substr(0, dot), std::string_view(inside).substr(dot + 1)))
        out += v->is_number() ? v->to_string() : v->text();
    }
    i = close + 1;
  }
  return out;
}

// A topic the rules emitted, with what orders it: the emitting rule's salience, then the score
// of the intent that rule matched (if any), then the order of emission.
struct ranked_topic {
  std::string topic;
  std::string rule;
  int salience = 0;
  double intent_score = -1;  // -1: the rule matched no intent
  std::size_t order = 0;
  fact_id id = 0;
};

class reply_builder {
 public:
  reply_builder(const rule_base& base, std::string_view text, const conversation_context& context, bool explain)
      : data_(base.data()), model_(*data_.model), text_(text), in_(context), explain_(explain) {}

  answer build(const std::shared_ptr<const rule_base>& holder) {
    msg_ = std::make_unique<detail::prepared_message>(
        detail::prepare_message(model_, text_, thread_stemmer(), true, responder::max_message_bytes));
    out_.normalized = msg_->normalized;
    score();
    session& s = thread_session(holder);
    assert_facts(s);
    auto run = s.run();
    if (run) out_.rules_fired = std::move(run->rules_fired);
    if (!run) {
      // A looping rule base must not take the conversation down: answer as if nothing matched.
      if (explain_) out_.trace.facts.push_back("rules stopped: " + run.errors().front().message);
    }
    rank_topics(s, run.ok());
    compose(s);
    return std::move(out_);
  }

 private:
  double setting(const char* name, double fallback) const { return model_.number_setting(name, fallback); }

  void score() {
    scores_ = detail::score_intents(model_, *msg_);
    // Context: the previous intent is a little likelier, which settles near-ties in its favour.
    if (!in_.intent.empty()) {
      for (auto& s : scores_)
        if (model_.intents[s.intent].name == in_.intent) s.score = std::min(1.0, s.score + setting("context-boost", default_context_boost));
      std::stable_sort(scores_.begin(), scores_.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
    }
    floor_ = setting("confidence-floor", default_floor);
    // An elliptical follow-up ("what about my eyelids?") is the previous question again.
    for (auto& s : scores_) {
      const auto& intent = model_.intents[s.intent];
      std::string name = intent.name;
      if (intent.follow_up && !in_.intent.empty()) name = in_.intent;
      if (s.score >= floor_) accepted_.emplace_back(name, s.score);
    }
    // A follow-up resolved to an intent that also scored keeps the better score, once.
    std::vector<std::pair<std::string, double>> unique;
    for (const auto& candidate : accepted_)  // not a structured binding: clang 14 can't capture one
      if (std::none_of(unique.begin(), unique.end(), [&](const auto& u) { return u.first == candidate.first; }))
        unique.push_back(candidate);
    accepted_ = std::move(unique);
    if (explain_) {
      for (const auto& s : scores_) out_.trace.intents.emplace_back(model_.intents[s.intent].name, s.score);
    }
  }

  std::optional<fact_id> assert_fact(session& s, const char* relation, const slot_values& slots) {
    auto id = s.assert_fact(relation, slots);
    if (!id) return std::nullopt;
    if (explain_) out_.trace.facts.push_back(s.fact(*id)->to_string());
    return *id;
  }

  void assert_facts(session& s) {
    for (std::size_t i = 0; i < accepted_.size(); ++i) {
      double score = std::round(accepted_[i].second * 1000) / 1000;
      auto id = assert_fact(s, "intent", {{"name", value::symbol(accepted_[i].first)},
                                          {"score", score},
                                          {"rank", static_cast<int>(i + 1)}});
      if (id) intent_facts_.emplace_back(*id, score);
    }
    std::set<std::pair<std::uint32_t, bool>> mentioned;
    std::uint32_t memory = static_cast<std::uint32_t>(setting("entity-memory", default_entity_memory));
    std::vector<conversation_context::entity> entities;
    for (const auto& m : msg_->marks) {
      if (m.concept_id == model_.negation || m.concept_id == model_.clause_break || m.concept_id == model_.filler ||
          m.concept_id == model_.conjunction)
        continue;
      if (!mentioned.emplace(m.concept_id, m.negated).second) continue;
      const auto& c = model_.concepts[m.concept_id];
      assert_fact(s, "mention", {{"concept", value::symbol(c.name)}, {"negated", value::symbol(yes_no(m.negated))}});
      if (explain_) out_.trace.concepts.push_back((m.negated ? "not " : "") + c.name);
      if (!c.entity_type.empty() && !m.negated) {
        bool seen = std::any_of(entities.begin(), entities.end(), [&](const auto& e) { return e.value == c.name && e.type == c.entity_type; });
        if (!seen) entities.push_back({c.entity_type, c.name, 0});
      }
    }
    for (const auto& e : entities)
      assert_fact(s, "entity", {{"type", value::symbol(e.type)}, {"value", value::symbol(e.value)}, {"from", value::symbol("message")}});
    // Entities from earlier turns stay for a few turns, unless this message names another of the
    // same type.
    for (const auto& e : in_.entities) {
      if (e.age + 1 > memory) continue;
      if (std::any_of(entities.begin(), entities.end(), [&](const auto& n) { return n.type == e.type; })) continue;
      if (!model_.concept_by_name.count(e.value)) continue;  // stale or forged: not in this knowledge
      assert_fact(s, "entity", {{"type", value::symbol(e.type)}, {"value", value::symbol(e.value)}, {"from", value::symbol("context")}});
      out_.context.entities.push_back({e.type, e.value, e.age + 1});
    }
    for (auto& e : entities) out_.context.entities.push_back(e);
    for (const auto& t : in_.topics) assert_fact(s, "previous-topic", {{"name", value::symbol(t)}});
    if (!in_.intent.empty()) assert_fact(s, "previous-intent", {{"name", value::symbol(in_.intent)}});
    if (explain_) {
      out_.trace.normalized = msg_->normalized;
      for (const auto& w : msg_->words)
        if (!w.corrected.empty()) out_.trace.corrections.push_back(w.text + " -> " + w.corrected);
    }
  }

  void rank_topics(const session& s, bool ran) {
    if (!ran) return;
    std::string topic_output = model_.setting("topic-output").value_or("topic");
    std::size_t order = 0;
    for (const auto& o : s.outputs(topic_output)) {
      ranked_topic t;
      t.topic = o.val.is_number() ? o.val.to_string() : o.val.text();
      t.order = order++;
      t.id = o.id;
      if (auto d = s.derived_by(o.id)) {
        t.rule = std::move(d->rule);
        t.salience = d->salience;
        for (auto id : d->matched)
          for (const auto& [intent_fact, score] : intent_facts_)
            if (intent_fact == id) t.intent_score = std::max(t.intent_score, score);
      }
      topics_.push_back(std::move(t));
    }
    std::stable_sort(topics_.begin(), topics_.end(), [](const ranked_topic& a, const ranked_topic& b) {
      if (a.salience != b.salience) return a.salience > b.salience;
      if (a.intent_score != b.intent_score) return a.intent_score > b.intent_score;
      return a.order < b.order;
    });
    auto max_topics = static_cast<std::size_t>(setting("max-topics", default_max_topics));
    std::vector<ranked_topic> unique;
    for (auto& t : topics_) {
      if (unique.size() == max_topics) break;
      if (std::none_of(unique.begin(), unique.end(), [&](const auto& u) { return u.topic == t.topic; })) unique.push_back(std::move(t));
    }
    topics_ = std::move(unique);
    if (explain_)
      for (const auto& t : topics_)
        if (auto why = s.why(t.id)) out_.trace.chains.push_back(why->to_string());
  }

  void compose(const session& s) {
    std::string fallback = model_.setting("fallback-topic").value_or("fallback");
    double top_score = scores_.empty() ? 0.0 : scores_.front().score;
    if (topics_.empty()) {
      out_.topics.push_back(fallback);
      out_.rules.push_back("");
      out_.confidence = std::min(top_score, floor_);
    } else {
      for (const auto& t : topics_) {
        out_.topics.push_back(t.topic);
        out_.rules.push_back(t.rule);
      }
      out_.confidence = topics_.front().intent_score >= 0 ? topics_.front().intent_score : 1.0;
    }
    // Two readings nearly tied, neither sure, and nothing urgent (the first topic rests on an
    // intent, not on a warning sign): ask which was meant rather than guess.
    if (accepted_.size() >= 2 && !topics_.empty() && topics_.front().intent_score >= 0 && topics_.front().salience <= 0) {
      double gap = accepted_[0].second - accepted_[1].second;
      const auto* first = find_intent(accepted_[0].first);
      const auto* second = find_intent(accepted_[1].first);
      if (gap < setting("ambiguity-margin", default_margin) && accepted_[0].second < 0.9 && first && second &&
          !first->ask.empty() && !second->ask.empty()) {
        out_.clarifying = true;
        out_.text = model_.setting("clarify").value_or(default_clarify);
        out_.suggestions = {first->ask, second->ask};
      }
    }
    if (!out_.clarifying) {
      for (const auto& topic : out_.topics) {
        auto it = model_.answers.find(topic);
        if (it == model_.answers.end()) continue;
        if (!out_.text.empty()) out_.text += "\n\n";
        out_.text += fill_placeholders(s, it->second.text);
      }
      suggest();
    }
    out_.context.turn = in_.turn + 1;
    out_.context.intent = accepted_.empty() ? std::string() : accepted_.front().first;
    out_.context.topics = out_.topics;
    out_.context.disclaimed = in_.disclaimed;
    out_.context.conversation = in_.conversation;
    if (auto disclaimer = model_.setting("disclaimer"); disclaimer && !in_.disclaimed) {
      out_.text += (out_.text.empty() ? "" : "\n\n") + *disclaimer;
      out_.context.disclaimed = true;
    }
  }

  const detail::intent_info* find_intent(const std::string& name) const {
    for (const auto& i : model_.intents)
      if (i.name == name) return &i;
    return nullptr;
  }

  void suggest() {
    auto max = static_cast<std::size_t>(setting("max-suggestions", default_max_suggestions));
    std::string asked = msg_->normalized;
    auto add = [&](const std::string& s) {
      if (out_.suggestions.size() >= max) return;
      if (std::find(out_.suggestions.begin(), out_.suggestions.end(), s) != out_.suggestions.end()) return;
      out_.suggestions.push_back(s);
    };
    // One from each topic first, so every topic gets a follow-up, then the rest in order.
    for (std::size_t round = 0; round < 3; ++round)
      for (const auto& topic : out_.topics) {
        auto it = model_.answers.find(topic);
        if (it != model_.answers.end() && round < it->second.suggestions.size()) add(it->second.suggestions[round]);
      }
    if (out_.suggestions.size() < 2) {
      auto hello = model_.list_settings.find("hello-suggestion");
      if (hello != model_.list_settings.end())
        for (const auto& s : hello->second) add(s);
    }
  }

  const detail::rule_base_data& data_;
  const understanding_model& model_;
  std::string_view text_;
  const conversation_context& in_;
  bool explain_;
  std::unique_ptr<detail::prepared_message> msg_;
  std::vector<detail::intent_score> scores_;
  std::vector<std::pair<std::string, double>> accepted_;  // intents at or above the floor, best first
  double floor_ = default_floor;
  std::vector<ranked_topic> topics_;
  std::vector<std::pair<fact_id, double>> intent_facts_;  // the intent facts asserted, with their scores
  answer out_;
};

}  // namespace

responder::responder(std::shared_ptr<const rule_base> base) : base_(std::move(base)) {}

answer responder::ask(std::string_view text, const conversation_context& context, bool explain) const {
  return reply_builder(*base_, text, context, explain).build(base_);
}

greeting responder::hello() const {
  const auto& model = *base_->data().model;
  session s(base_);  // the initial facts, for placeholders like {shop.phone}
  greeting g;
  g.text = fill_placeholders(s, model.setting("hello").value_or(""));
  if (auto it = model.list_settings.find("hello-suggestion"); it != model.list_settings.end()) g.suggestions = it->second;
  constexpr std::string_view prefix = "contact-";
  for (const auto& [name, value] : model.settings)
    if (name.compare(0, prefix.size(), prefix) == 0)
      g.contact.emplace_back(name.substr(prefix.size()), fill_placeholders(s, value));
  return g;
}

}  // namespace advisor::engine
