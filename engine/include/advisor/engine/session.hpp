#pragma once
// One conversation's working memory over a shared rule base: facts come and go, rules fire to
// quiescence, outputs are read back, and why() explains any fact.
//
// Conflict resolution: the highest salience fires first; among equal salience the most recently
// activated rule instance fires first (depth-first, CLIPS's default strategy). Refraction: a rule
// fires at most once for one set of matched facts. Truth maintenance: facts a rule adds with `add`
// or `emit` rest on the facts (and absences) it matched; when those go, they go too, in cascade.
//
// Thread-safety: a session is used by one thread at a time; many sessions may share a rule base.
// Cost: creating a session is linear in the number of alpha nodes (small), not in rules.
//
// Example:
//   session s(base);
//   s.assert_fact("concern", {{"area", value::symbol("eyes")}});
//   if (auto run = s.run(); !run) log(to_string(run.errors()));
//   for (const auto& out : s.outputs()) use(out.name, out.value);

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "advisor/engine/detail/atom.hpp"
#include "advisor/engine/rule_base.hpp"
#include "advisor/engine/status.hpp"
#include "advisor/engine/value.hpp"

namespace advisor::engine {

using fact_id = std::uint32_t;
using slot_values = std::vector<std::pair<std::string, value>>;

struct fact_view {
  fact_id id = 0;
  std::string relation;
  slot_values slots;  // every declared slot, in declaration order
  bool stated = false;  // asserted from outside or by `remember`, not resting on a rule

  const value* get(std::string_view slot) const;
  std::string to_string() const;  // concern area: eyes severity: 2
};

// A named output a rule emitted (`emit topic extraction-risk`), in the order emitted.
struct output {
  std::string name;
  value val;
  fact_id id = 0;  // ask why(id) for its chain
};

// Why a fact holds: stated from outside, or added by rule firings, each with the facts it matched.
struct explanation {
  struct firing {
    std::string rule;
    std::vector<explanation> matched;  // the facts the rule matched, each explained in turn
  };
  fact_view fact;
  std::vector<firing> because;  // empty when the fact was stated

  std::string to_string() const;  // an indented tree
};

// The rule firing a derived fact rests on (its oldest live support).
struct derivation {
  std::string rule;
  int salience = 0;
  std::vector<fact_id> matched;  // the facts the rule matched, in pattern order
};

struct run_report {
  std::size_t fired = 0;
  std::vector<std::string> rules_fired;  // in firing order
};

// A fact resolved against one rule base once, to be asserted cheaply many times (a question's
// facts, say). Only valid with sessions of the rule base it was prepared for.
class prepared_fact {
 public:
  // Errors: knowledge.unknown_relation, knowledge.unknown_slot.
  static result<prepared_fact> make(const rule_base& base, std::string_view relation,
                                    const slot_values& slots);

 private:
  friend class session;
  prepared_fact() = default;
  const rule_base* base_ = nullptr;
  std::uint32_t relation_ = 0;
  std::vector<detail::atom> atoms_;
  std::vector<std::pair<std::uint32_t, value>> unresolved_;  // values the rule base never mentions
};

class session {
 public:
  static constexpr std::size_t default_firing_limit = 10'000;

  // Starts with the knowledge's initial facts asserted (not yet run).
  explicit session(std::shared_ptr<const rule_base> base);
  ~session();
  session(session&&) noexcept;
  session& operator=(session&&) noexcept;

  // Asserts a fact; slots left out hold nil. Asserting a fact equal to a live one is a no-op that
  // returns the existing id. Errors: knowledge.unknown_relation, knowledge.unknown_slot.
  result<fact_id> assert_fact(std::string_view relation, const slot_values& slots);
  result<fact_id> assert_fact(std::string_view relation,
                              std::initializer_list<std::pair<std::string, value>> slots) {
    return assert_fact(relation, slot_values(slots));
  }
  fact_id assert_fact(const prepared_fact& fact);
  // Removes a fact and, through truth maintenance, whatever rested on it. False if not live.
  bool retract(fact_id id);
  // Replaces some slots: the old fact is retracted and the new one asserted (a new id).
  result<fact_id> modify(fact_id id, const slot_values& changes);

  // Fires rules until none is active or `firing_limit` firings have happened. Hitting the limit is
  // the error engine.firing_limit, whose message names the rules that kept firing.
  result<run_report> run(std::size_t firing_limit = default_firing_limit);

  // Back to the initial facts, as if new; cheaper than a new session.
  void reset();

  bool is_live(fact_id id) const;
  std::optional<fact_view> fact(fact_id id) const;
  std::vector<fact_view> facts() const;  // live facts, oldest first
  std::vector<fact_view> facts(std::string_view relation) const;
  std::vector<output> outputs() const;   // live outputs, in the order emitted
  std::vector<output> outputs(std::string_view name) const;
  std::optional<fact_id> find(std::string_view relation, const slot_values& slots) const;

  // The chain of rule firings behind a fact or output, down to stated facts.
  std::optional<explanation> why(fact_id id) const;
  // Just the firing a fact rests on, without explaining the facts it matched; empty for facts
  // that were stated. Cheaper than why() when only the rule matters.
  std::optional<derivation> derived_by(fact_id id) const;
  // One slot of the first live fact of a relation (e.g. a shop's phone), if any.
  std::optional<value> first_value(std::string_view relation, std::string_view slot) const;

  const rule_base& base() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace advisor::engine
