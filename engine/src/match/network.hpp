#pragma once
// The compiled, immutable matching network shared by every session of a rule base.
//
// Matching is incremental in the TREAT style (Miranker 1987): facts are filtered once through a
// hashed alpha network into per-session alpha memories; a new fact is joined only against the
// rules whose patterns its alpha nodes feed, starting from the pattern it matched (a "seeded"
// join, planned at compile time for each starting pattern). Complete matches live in a per-session
// conflict set, so no partial-match (beta) memories need maintaining: with the small working
// memories of a conversation this is cheaper than Rete, and the cost of an assertion depends only
// on the rules that can match the fact.

#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "advisor/engine/detail/atom.hpp"
#include "match/symbol_table.hpp"

namespace advisor::engine::detail {

inline constexpr std::uint32_t no_index = std::numeric_limits<std::uint32_t>::max();

struct source_pos {
  std::uint32_t file = 0;  // index into rule_base_data::files
  int line = 0;
  int column = 0;
};

struct relation_info {
  std::string name;
  std::vector<std::string> slots;
  source_pos pos;
  bool used_in_conditions = false;
  bool builtin = false;

  std::uint32_t slot_index(std::string_view slot) const {
    for (std::uint32_t i = 0; i < slots.size(); ++i)
      if (slots[i] == slot) return i;
    return no_index;
  }
};

enum class test_op : std::uint8_t { eq, ne, lt, gt, le, ge, in, not_in };

// One side of a test or an action's slot value: a variable or a constant (or a set, for in).
struct operand {
  std::uint32_t var = no_index;  // no_index: a constant
  atom constant;
  std::vector<atom> set;  // for in / not in
  bool is_var() const { return var != no_index; }
};

// A test on one fact's slots alone, run in the alpha network.
struct alpha_test {
  std::uint32_t slot = 0;
  test_op op = test_op::eq;
  operand rhs;                         // a constant or set
  std::uint32_t other_slot = no_index;  // set when comparing two slots of the same fact
};

// A rule pattern fed by an alpha node, with what a new fact needs to know to skip the rule
// without touching it: most visits end here, so this record is all the hot loop reads.
struct successor {
  static constexpr std::uint8_t many = 0xFF;
  std::uint32_t rule = 0;
  std::uint32_t pattern = 0;  // index into rule_info::patterns
  bool negated = false;
  std::uint8_t other_count = 0;     // the rule's other positive patterns, or `many` when over 2
  std::uint32_t other_alpha[2] = {};  // their alpha nodes (all must have facts for a match)
};

struct alpha_node {
  std::uint32_t relation = 0;
  std::vector<std::pair<std::uint32_t, atom>> equalities;  // slot == constant, hashed on
  std::vector<alpha_test> residual;
  std::vector<successor> successors;
};

// Alpha nodes of one relation grouped by the slots they test for equality: one hash lookup per
// group finds the candidates for a fact.
struct alpha_group {
  std::vector<std::uint32_t> slots;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> by_key;
};

struct relation_index {
  std::vector<alpha_group> groups;
  std::vector<std::uint32_t> unkeyed;  // alpha nodes with no equality test
};

struct pattern_info {
  std::uint32_t alpha = 0;
  bool negated = false;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> vars;  // (slot, var): binds or must equal
  std::uint32_t fact_var = no_index;                           // `as ?f`
  source_pos pos;
};

struct test_info {
  std::uint32_t lhs_var = 0;
  test_op op = test_op::eq;
  operand rhs;
  source_pos pos;
};

enum class action_kind : std::uint8_t { add, remember, remove, change, emit };

struct action_info {
  action_kind kind = action_kind::add;
  std::uint32_t relation = 0;
  std::vector<std::pair<std::uint32_t, operand>> slots;  // (slot, value)
  std::uint32_t fact_var = no_index;                      // remove / change
  source_pos pos;
};

// After placing a positive pattern in a join, the tests and negations that just became checkable.
struct plan_step {
  std::uint32_t pattern = 0;
  std::vector<std::uint32_t> tests;
  std::vector<std::uint32_t> negations;
};

struct join_plan {
  std::vector<std::uint32_t> pre_tests;      // need no positive pattern (constants only)
  std::vector<std::uint32_t> pre_negations;  // share no variable with a positive pattern
  std::vector<plan_step> steps;
};

struct rule_info {
  std::string name;
  int salience = 0;
  source_pos pos;
  std::vector<pattern_info> patterns;  // as written, negated ones included
  std::vector<std::uint32_t> positives;
  std::vector<test_info> tests;
  std::vector<action_info> actions;
  std::vector<std::string> var_names;
  std::vector<join_plan> seeded;  // seeded[p]: the plan when patterns[p] is the new fact (positives)
  join_plan full;                 // every positive in written order
};

struct initial_fact {
  std::uint32_t relation = 0;
  std::vector<atom> values;
};

inline constexpr std::uint32_t output_relation = 0;  // built-in: output name: X value: Y

}  // namespace advisor::engine::detail
