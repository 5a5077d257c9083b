#include "advisor/engine/session.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include "match/flat_index.hpp"
#include "rule_base_data.hpp"
#include "util/edit_distance.hpp"

namespace advisor::engine {

using detail::atom;
using detail::atom_kind;
using detail::no_index;

namespace {

constexpr std::uint32_t no_link = 0xFFFFFFFFu;
constexpr std::uint8_t successor_many = detail::successor::many;

struct fact_rec {
  std::uint32_t relation = 0;
  std::uint32_t values = 0;  // offset into value_pool_
  std::uint64_t hash = 0;
  bool alive = false;
  bool stated = false;
  std::uint32_t support_count = 0;      // live matches whose firing added this fact
  std::uint32_t supports = no_link;     // links: matches that added it (live or not)
  std::uint32_t in_matches = no_link;   // links: matches that contain it
};

struct match_rec {
  std::uint32_t rule = 0;
  std::uint32_t facts = 0;  // offset into tuple_pool_, one per positive pattern
  std::uint64_t hash = 0;
  std::uint64_t seq = 0;
  bool alive = false;
  bool fired = false;
  std::uint32_t added = no_link;  // links: facts its firing added logically
};

struct link {
  std::uint32_t target;
  std::uint32_t next;
};

struct agenda_entry {
  int salience;
  std::uint64_t seq;
  std::uint32_t match;
  // Max-heap order: higher salience, then more recent activation.
  friend bool operator<(const agenda_entry& a, const agenda_entry& b) {
    return a.salience != b.salience ? a.salience < b.salience : a.seq < b.seq;
  }
};

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

bool compare(const atom& a, detail::test_op op, const detail::operand& rhs, const atom& b) {
  using detail::test_op;
  switch (op) {
    case test_op::eq: return a == b;
    case test_op::ne: return !(a == b);
    case test_op::in:
      return std::find(rhs.set.begin(), rhs.set.end(), a) != rhs.set.end();
    case test_op::not_in:
      return std::find(rhs.set.begin(), rhs.set.end(), a) == rhs.set.end();
    default: break;
  }
  // Ordering compares numbers only; anything else is simply not in order.
  if (a.kind != atom_kind::number || b.kind != atom_kind::number) return false;
  switch (op) {
    case test_op::lt: return a.num < b.num;
    case test_op::gt: return a.num > b.num;
    case test_op::le: return a.num <= b.num;
    case test_op::ge: return a.num >= b.num;
    default: return false;
  }
}

// The errors of naming facts from outside, the same from assert_fact, modify and prepared_fact.
diagnostic unknown_relation_error(std::string_view name, const detail::rule_base_data& base) {
  diagnostic d;
  d.code = "knowledge.unknown_relation";
  d.message = "unknown relation '" + std::string(name) + "'";
  std::vector<std::string> names;
  for (const auto& rel : base.relations) names.push_back(rel.name);
  if (auto near = detail::nearest(name, names); !near.empty()) d.hint = "did you mean '" + near + "'?";
  return d;
}

diagnostic unknown_slot_error(const detail::relation_info& rel, std::string_view slot) {
  diagnostic d;
  d.code = "knowledge.unknown_slot";
  d.message = "relation '" + rel.name + "' has no slot '" + std::string(slot) + "'";
  if (auto near = detail::nearest(slot, rel.slots); !near.empty()) d.hint = "did you mean '" + near + "'?";
  return d;
}

diagnostic output_fact_error() {
  diagnostic d;
  d.code = "engine.output_fact";
  d.message = "outputs come from rules (`emit`); they can't be asserted from outside";
  return d;
}

}  // namespace

struct session::impl {
  std::shared_ptr<const rule_base> base_holder;
  const detail::rule_base_data& base;
  detail::symbol_table local_symbols;  // text the knowledge never mentions

  std::vector<fact_rec> facts;
  std::vector<atom> value_pool;
  detail::flat_index fact_index;
  std::vector<std::vector<fact_id>> alpha_memory;
  std::vector<std::uint32_t> touched_alpha;

  std::vector<match_rec> matches;
  std::vector<fact_id> tuple_pool;
  detail::flat_index match_index;
  std::map<std::uint32_t, std::vector<std::uint32_t>> matches_of_rule;  // rules with negations only
  std::vector<link> links;
  std::vector<agenda_entry> agenda;
  std::uint64_t next_seq = 0;

  // Join scratch.
  std::vector<atom> bindings;
  std::vector<std::uint8_t> bound;
  std::vector<std::uint32_t> undo;
  std::vector<fact_id> tuple;  // per pattern of the rule being joined
  std::vector<fact_id> match_ids;  // per positive pattern, for add_match
  std::vector<fact_id> retract_queue;
  std::vector<std::uint32_t> assert_hits;   // propagate_assert's alpha nodes
  std::vector<std::uint32_t> retract_hits;  // retract_one's
  std::vector<atom> fire_vars, fire_vals;   // fire()'s
  std::vector<fact_id> fire_matched;
  bool in_cascade = false;

  explicit impl(std::shared_ptr<const rule_base> b)
      : base_holder(std::move(b)), base(base_holder->data()), local_symbols(base.symbols.end_id()) {
    alpha_memory.resize(base.alpha_nodes.size());
    start();
  }

  void start() {
    for (const auto& f : base.initial_facts) assert_atoms(f.relation, f.values.data(), true, no_index);
    // Rules with no positive pattern match once, on nothing.
    for (auto r : base.rules_without_positives) full_join(r);
  }

  void reset() {
    for (auto a : touched_alpha) alpha_memory[a].clear();
    touched_alpha.clear();
    facts.clear();
    value_pool.clear();
    fact_index.clear();
    matches.clear();
    tuple_pool.clear();
    match_index.clear();
    matches_of_rule.clear();
    links.clear();
    agenda.clear();
    next_seq = 0;
    local_symbols.clear();
    start();
  }

  // --- values ---
  const atom* values_of(fact_id f) const { return value_pool.data() + facts[f].values; }
  std::size_t arity(std::uint32_t relation) const { return base.relations[relation].slots.size(); }

  atom to_atom(const value& v) {
    switch (v.type()) {
      case value::kind::number: return atom::number(v.number());
      case value::kind::symbol:
      case value::kind::string: {
        auto id = base.symbols.find(v.text());
        std::uint32_t i = id ? *id : local_symbols.intern(v.text());
        return v.is_symbol() ? atom::symbol(i) : atom::string(i);
      }
    }
    return atom::symbol(0);
  }
  const std::string& text_of(std::uint32_t id) const {
    return base.symbols.owns(id) ? base.symbols.text(id) : local_symbols.text(id);
  }
  value to_value(const atom& a) const {
    switch (a.kind) {
      case atom_kind::number: return value(a.num);
      case atom_kind::symbol: return value::symbol(text_of(a.id));
      case atom_kind::string: return value::string(text_of(a.id));
    }
    return {};
  }

  fact_view view(fact_id f) const {
    fact_view v;
    v.id = f;
    const auto& rel = base.relations[facts[f].relation];
    v.relation = rel.name;
    v.stated = facts[f].stated;
    for (std::size_t s = 0; s < rel.slots.size(); ++s) v.slots.emplace_back(rel.slots[s], to_value(values_of(f)[s]));
    return v;
  }

  // --- links ---
  std::uint32_t push_link(std::uint32_t target, std::uint32_t next) {
    links.push_back({target, next});
    return static_cast<std::uint32_t>(links.size() - 1);
  }

  // --- alpha network ---
  bool passes(const detail::alpha_node& node, const atom* vals) const {
    for (const auto& [slot, c] : node.equalities)
      if (!(vals[slot] == c)) return false;
    for (const auto& t : node.residual) {
      const atom& rhs = t.other_slot != no_index ? vals[t.other_slot] : t.rhs.constant;
      if (!compare(vals[t.slot], t.op, t.rhs, rhs)) return false;
    }
    return true;
  }

  template <class Fn>
  void for_each_alpha(std::uint32_t relation, const atom* vals, Fn&& fn) const {
    const auto& index = base.relation_indexes[relation];
    for (const auto& group : index.groups) {
      std::uint64_t h = 0;
      for (auto slot : group.slots) h = h * 0x9e3779b97f4a7c15ULL + vals[slot].hash();
      auto it = group.by_key.find(h);
      if (it == group.by_key.end()) continue;
      for (auto a : it->second)
        if (passes(base.alpha_nodes[a], vals)) fn(a);
    }
    for (auto a : index.unkeyed)
      if (passes(base.alpha_nodes[a], vals)) fn(a);
  }

  // --- facts ---
  std::uint64_t fact_hash(std::uint32_t relation, const atom* vals) const {
    std::uint64_t h = mix(0x51ed27, relation);
    for (std::size_t s = 0; s < arity(relation); ++s) h = mix(h, vals[s].hash());
    return h;
  }

  fact_id find_fact(std::uint32_t relation, const atom* vals, std::uint64_t h) const {
    std::size_t n = arity(relation);
    return fact_index.find(h, [&](std::uint32_t id) {
      const auto& f = facts[id];
      return f.relation == relation && std::equal(vals, vals + n, values_of(id));
    });
  }

  // Asserts, or finds the equal live fact. `support` is the match whose firing adds it logically.
  fact_id assert_atoms(std::uint32_t relation, const atom* vals, bool stated, std::uint32_t support) {
    std::uint64_t h = fact_hash(relation, vals);
    fact_id existing = find_fact(relation, vals, h);
    if (existing != detail::flat_index::none) {
      add_support(existing, stated, support);
      return existing;
    }
    auto id = static_cast<fact_id>(facts.size());
    fact_rec rec;
    rec.relation = relation;
    rec.values = static_cast<std::uint32_t>(value_pool.size());
    rec.hash = h;
    rec.alive = true;
    value_pool.insert(value_pool.end(), vals, vals + arity(relation));
    facts.push_back(rec);
    fact_index.insert(h, id);
    add_support(id, stated, support);
    propagate_assert(id);
    return id;
  }

  void add_support(fact_id f, bool stated, std::uint32_t support) {
    if (stated) facts[f].stated = true;
    if (support == no_index) return;
    for (auto l = facts[f].supports; l != no_link; l = links[l].next)
      if (links[l].target == support) return;
    facts[f].supports = push_link(support, facts[f].supports);
    ++facts[f].support_count;
    matches[support].added = push_link(f, matches[support].added);
  }

  // Not re-entrant: asserting happens from outside or from fire(), never from inside a join or
  // a retraction, so one scratch list serves every call.
  void propagate_assert(fact_id f) {
    const std::uint32_t relation = facts[f].relation;
    auto& hit = assert_hits;
    hit.clear();
    for_each_alpha(relation, values_of(f), [&](std::uint32_t a) {
      if (alpha_memory[a].empty()) touched_alpha.push_back(a);
      alpha_memory[a].push_back(f);
      hit.push_back(a);
    });
    for (std::size_t h = 0; h < hit.size(); ++h) {
      for (const auto& succ : base.alpha_nodes[hit[h]].successors) {
        if (succ.negated) {
          block_matches(succ.rule, succ.pattern, f);
          if (!facts[f].alive) return;  // retracted by an earlier consequence
          continue;
        }
        // Most rules fed by this fact lack a fact for another pattern: skip them from the
        // successor record alone.
        const bool known = succ.other_count != successor_many;
        if (known) {
          if (succ.other_count > 0 && alpha_memory[succ.other_alpha[0]].empty()) continue;
          if (succ.other_count > 1 && alpha_memory[succ.other_alpha[1]].empty()) continue;
        }
        seeded_join(succ.rule, succ.pattern, f, known);
      }
    }
  }

  void retract_fact(fact_id f) {
    if (f >= facts.size() || !facts[f].alive) return;
    retract_queue.push_back(f);
    if (in_cascade) return;
    in_cascade = true;
    while (!retract_queue.empty()) {
      fact_id g = retract_queue.back();
      retract_queue.pop_back();
      if (facts[g].alive) retract_one(g);
    }
    in_cascade = false;
  }

  void retract_one(fact_id f) {
    auto& rec = facts[f];
    rec.alive = false;
    fact_index.erase(rec.hash, f);
    auto& hit = retract_hits;  // retractions run one at a time, in the cascade loop
    hit.clear();
    for_each_alpha(rec.relation, values_of(f), [&](std::uint32_t a) {
      auto& mem = alpha_memory[a];
      mem.erase(std::find(mem.begin(), mem.end(), f));
      hit.push_back(a);
    });
    for (auto l = rec.in_matches; l != no_link; l = links[l].next) invalidate(links[l].target);
    // A fact leaving a `not` pattern's memory may let its rule match again.
    std::vector<std::uint32_t> unblocked;
    for (auto a : hit)
      for (const auto& succ : base.alpha_nodes[a].successors)
        if (succ.negated) unblocked.push_back(succ.rule);
    for (auto r : unblocked) full_join(r);
  }

  void invalidate(std::uint32_t m) {
    auto& rec = matches[m];
    if (!rec.alive) return;
    rec.alive = false;
    match_index.erase(rec.hash, m);
    if (auto it = matches_of_rule.find(rec.rule); it != matches_of_rule.end()) {
      auto& list = it->second;
      list.erase(std::find(list.begin(), list.end(), m));
    }
    std::vector<fact_id> unsupported;
    for (auto l = rec.added; l != no_link; l = links[l].next) {
      auto& fr = facts[links[l].target];
      if (fr.alive && --fr.support_count == 0 && !fr.stated) unsupported.push_back(links[l].target);
    }
    // Retracting may add matches (a `not` unblocked), so `rec` must not be used past here.
    for (auto f : unsupported) retract_fact(f);
  }

  // --- joins ---
  void prepare_scratch(const detail::rule_info& rule) {
    bindings.resize(std::max(bindings.size(), rule.var_names.size()));
    bound.assign(std::max(bound.size(), rule.var_names.size()), 0);
    std::fill(bound.begin(), bound.end(), 0);
    tuple.assign(rule.patterns.size(), no_index);
    undo.clear();
  }

  bool bind(const detail::pattern_info& p, fact_id f) {
    const atom* vals = values_of(f);
    for (const auto& [slot, var] : p.vars) {
      if (bound[var]) {
        if (!(bindings[var] == vals[slot])) return false;
      } else {
        bindings[var] = vals[slot];
        bound[var] = 1;
        undo.push_back(var);
      }
    }
    return true;
  }
  void unbind(std::size_t mark) {
    while (undo.size() > mark) {
      bound[undo.back()] = 0;
      undo.pop_back();
    }
  }

  bool tests_pass(const detail::rule_info& rule, const std::vector<std::uint32_t>& tests) const {
    for (auto t : tests) {
      const auto& test = rule.tests[t];
      const atom& rhs = test.rhs.is_var() ? bindings[test.rhs.var] : test.rhs.constant;
      if (!compare(bindings[test.lhs_var], test.op, test.rhs, rhs)) return false;
    }
    return true;
  }

  // True when some fact matches the negated pattern under the current bindings.
  bool blocked(const detail::pattern_info& p) {
    for (fact_id g : alpha_memory[p.alpha]) {
      std::size_t mark = undo.size();
      bool hit = bind(p, g);
      unbind(mark);
      if (hit) return true;
    }
    return false;
  }

  bool negations_clear(const detail::rule_info& rule, const std::vector<std::uint32_t>& negations) {
    for (auto n : negations)
      if (blocked(rule.patterns[n])) return false;
    return true;
  }

  // `prechecked`: the caller already knows every other positive pattern has candidates.
  void seeded_join(std::uint32_t r, std::uint32_t seed_pattern, fact_id seed, bool prechecked) {
    const auto& rule = base.rules[r];
    // Cheap rejection: every other positive pattern needs at least one candidate.
    if (!prechecked)
      for (auto p : rule.positives)
        if (p != seed_pattern && alpha_memory[rule.patterns[p].alpha].empty()) return;
    prepare_scratch(rule);
    const auto& plan = rule.seeded[seed_pattern];
    if (!tests_pass(rule, plan.pre_tests) || !negations_clear(rule, plan.pre_negations)) return;
    join_step(r, plan, 0, seed);
  }

  void full_join(std::uint32_t r) {
    const auto& rule = base.rules[r];
    for (auto p : rule.positives)
      if (alpha_memory[rule.patterns[p].alpha].empty()) return;
    prepare_scratch(rule);
    if (!tests_pass(rule, rule.full.pre_tests) || !negations_clear(rule, rule.full.pre_negations)) return;
    join_step(r, rule.full, 0, no_index);
  }

  void join_step(std::uint32_t r, const detail::join_plan& plan, std::size_t step, fact_id seed) {
    const auto& rule = base.rules[r];
    if (step == plan.steps.size()) {
      add_match(r);
      return;
    }
    const auto& st = plan.steps[step];
    const auto& pattern = rule.patterns[st.pattern];
    auto try_fact = [&](fact_id f) {
      std::size_t mark = undo.size();
      if (bind(pattern, f) && tests_pass(rule, st.tests) && negations_clear(rule, st.negations)) {
        tuple[st.pattern] = f;
        join_step(r, plan, step + 1, seed);
      }
      unbind(mark);
    };
    if (step == 0 && seed != no_index) {
      try_fact(seed);
      return;
    }
    const auto& mem = alpha_memory[pattern.alpha];
    for (std::size_t i = 0; i < mem.size(); ++i) try_fact(mem[i]);
  }

  std::uint64_t match_hash(std::uint32_t r, const fact_id* ids, std::size_t n) const {
    std::uint64_t h = mix(0xa11ce, r);
    for (std::size_t i = 0; i < n; ++i) h = mix(h, ids[i]);
    return h;
  }

  void add_match(std::uint32_t r) {
    const auto& rule = base.rules[r];
    // Every positive pattern's fact, however many: a match is told apart by all of them.
    match_ids.clear();
    for (auto p : rule.positives) match_ids.push_back(tuple[p]);
    const fact_id* ids = match_ids.data();
    const std::size_t n = match_ids.size();
    std::uint64_t h = match_hash(r, ids, n);
    auto existing = match_index.find(h, [&](std::uint32_t m) {
      return matches[m].rule == r && std::equal(ids, ids + n, tuple_pool.data() + matches[m].facts);
    });
    if (existing != detail::flat_index::none) return;  // refraction: this match exists already
    auto m = static_cast<std::uint32_t>(matches.size());
    match_rec rec;
    rec.rule = r;
    rec.facts = static_cast<std::uint32_t>(tuple_pool.size());
    rec.hash = h;
    rec.seq = next_seq++;
    rec.alive = true;
    tuple_pool.insert(tuple_pool.end(), ids, ids + n);
    matches.push_back(rec);
    match_index.insert(h, m);
    for (std::size_t i = 0; i < n; ++i) facts[ids[i]].in_matches = push_link(m, facts[ids[i]].in_matches);
    if (rule.positives.size() != rule.patterns.size()) matches_of_rule[r].push_back(m);
    agenda.push_back({rule.salience, rec.seq, m});
    std::push_heap(agenda.begin(), agenda.end());
  }

  // Rebinds a match's variables from its facts.
  void bind_match(std::uint32_t m) {
    const auto& rule = base.rules[matches[m].rule];
    prepare_scratch(rule);
    for (std::size_t i = 0; i < rule.positives.size(); ++i) {
      fact_id f = tuple_pool[matches[m].facts + i];
      tuple[rule.positives[i]] = f;
      bind(rule.patterns[rule.positives[i]], f);
    }
  }

  // A new fact in a `not` pattern's memory: matches it now contradicts are gone.
  void block_matches(std::uint32_t r, std::uint32_t pattern, fact_id f) {
    auto it = matches_of_rule.find(r);
    if (it == matches_of_rule.end()) return;
    std::vector<std::uint32_t> doomed;
    for (auto m : it->second) {
      bind_match(m);
      if (bind(base.rules[r].patterns[pattern], f)) doomed.push_back(m);
    }
    for (auto m : doomed) invalidate(m);
  }

  // --- firing ---
  std::uint32_t pop_activation() {
    while (!agenda.empty()) {
      std::pop_heap(agenda.begin(), agenda.end());
      auto e = agenda.back();
      agenda.pop_back();
      const auto& m = matches[e.match];
      if (m.alive && !m.fired) return e.match;
    }
    return no_index;
  }

  atom operand_value(const detail::operand& o, const std::vector<atom>& vars) const {
    return o.is_var() ? vars[o.var] : o.constant;
  }

  void fire(std::uint32_t m) {
    matches[m].fired = true;
    const auto& rule = base.rules[matches[m].rule];
    bind_match(m);
    // Copies: the actions below run joins that reuse the scratch bindings.
    auto& vars = fire_vars;
    vars.assign(bindings.begin(), bindings.begin() + static_cast<std::ptrdiff_t>(rule.var_names.size()));
    auto& matched = fire_matched;
    matched.assign(tuple.begin(), tuple.end());
    auto& vals = fire_vals;
    for (const auto& action : rule.actions) {
      switch (action.kind) {
        case detail::action_kind::add:
        case detail::action_kind::emit:
        case detail::action_kind::remember: {
          bool logical = action.kind != detail::action_kind::remember;
          if (logical && !matches[m].alive) break;  // its support is already gone
          vals.assign(arity(action.relation), atom::symbol(0));
          for (const auto& [slot, o] : action.slots) vals[slot] = operand_value(o, vars);
          assert_atoms(action.relation, vals.data(), !logical, logical ? m : no_index);
          break;
        }
        case detail::action_kind::remove:
          retract_fact(matched[action.fact_var]);
          break;
        case detail::action_kind::change: {
          fact_id f = matched[action.fact_var];
          if (!facts[f].alive) break;
          vals.assign(values_of(f), values_of(f) + arity(action.relation));
          for (const auto& [slot, o] : action.slots) vals[slot] = operand_value(o, vars);
          retract_fact(f);
          assert_atoms(action.relation, vals.data(), true, no_index);  // a changed fact is stated, as in CLIPS
          break;
        }
      }
    }
  }

  result<run_report> run(std::size_t limit) {
    run_report report;
    std::vector<std::uint32_t> recent;  // the last firings, to name a loop's rules
    constexpr std::size_t window = 64;
    while (true) {
      auto m = pop_activation();
      if (m == no_index) return report;
      if (report.fired == limit) {
        agenda.push_back({base.rules[matches[m].rule].salience, matches[m].seq, m});
        std::push_heap(agenda.begin(), agenda.end());
        return loop_error(limit, recent, matches[m].rule);
      }
      auto r = matches[m].rule;
      if (recent.size() == window) recent.erase(recent.begin());
      recent.push_back(r);
      report.rules_fired.push_back(base.rules[r].name);
      ++report.fired;
      fire(m);
    }
  }

  // `waiting` is the rule that would have fired next: named on its own when nothing fired at all.
  diagnostic loop_error(std::size_t limit, const std::vector<std::uint32_t>& recent, std::uint32_t waiting) const {
    std::map<std::uint32_t, std::size_t> counts;
    for (auto r : recent) ++counts[r];
    std::vector<std::pair<std::size_t, std::uint32_t>> by_count;
    for (auto [r, c] : counts) by_count.emplace_back(c, r);
    std::sort(by_count.rbegin(), by_count.rend());
    std::string names;
    for (auto [c, r] : by_count) {
      if (!names.empty()) names += ", ";
      names += "'" + base.rules[r].name + "' (" + std::to_string(c) + " of the last " + std::to_string(recent.size()) + ")";
    }
    if (by_count.empty()) {
      names = "'" + base.rules[waiting].name + "' (next to fire)";
      by_count.emplace_back(0, waiting);
    }
    diagnostic d;
    d.code = "engine.firing_limit";
    d.message = "stopped after " + std::to_string(limit) + " rule firings: rules still firing in a loop: " + names;
    d.hint = "a rule that adds or changes a fact it also matches can keep firing; add a condition that stops it";
    if (!by_count.empty()) {
      const auto& pos = base.rules[by_count.front().second].pos;
      d.file = pos.file < base.files.size() ? base.files[pos.file] : "";
      d.line = pos.line;
      d.column = pos.column;
    }
    return d;
  }

  explanation explain(fact_id f, std::set<fact_id>& path) const {
    explanation e;
    e.fact = view(f);
    if (facts[f].stated || !path.insert(f).second) return e;
    for (auto l = facts[f].supports; l != no_link; l = links[l].next) {
      const auto& m = matches[links[l].target];
      if (!m.alive) continue;
      const auto& rule = base.rules[m.rule];
      explanation::firing firing;
      firing.rule = rule.name;
      for (std::size_t i = 0; i < rule.positives.size(); ++i)
        firing.matched.push_back(explain(tuple_pool[m.facts + i], path));
      e.because.push_back(std::move(firing));
    }
    std::reverse(e.because.begin(), e.because.end());  // oldest support first
    path.erase(f);
    return e;
  }

  result<std::vector<atom>> resolve_slots(std::uint32_t relation, const slot_values& slots) {
    const auto& rel = base.relations[relation];
    std::vector<atom> vals(rel.slots.size(), atom::symbol(0));
    for (const auto& [name, v] : slots) {
      auto s = rel.slot_index(name);
      if (s == no_index) return unknown_slot_error(rel, name);
      vals[s] = to_atom(v);
    }
    return vals;
  }

  result<std::uint32_t> resolve_relation(std::string_view name) const {
    auto r = base.find_relation(name);
    if (r == no_index) return unknown_relation_error(name, base);
    return r;
  }
};

// --- prepared_fact ---

result<prepared_fact> prepared_fact::make(const rule_base& base, std::string_view relation, const slot_values& slots) {
  const auto& data = base.data();
  auto r = data.find_relation(relation);
  if (r == no_index) return unknown_relation_error(relation, data);
  if (r == detail::output_relation) return output_fact_error();
  prepared_fact p;
  p.base_ = &base;
  p.relation_ = r;
  const auto& rel = data.relations[r];
  p.atoms_.assign(rel.slots.size(), atom::symbol(0));
  for (const auto& [name, v] : slots) {
    auto s = rel.slot_index(name);
    if (s == no_index) return unknown_slot_error(rel, name);
    if (v.is_number()) {
      p.atoms_[s] = atom::number(v.number());
    } else if (auto id = data.symbols.find(v.text())) {
      p.atoms_[s] = v.is_symbol() ? atom::symbol(*id) : atom::string(*id);
    } else {
      p.unresolved_.emplace_back(s, v);
    }
  }
  return p;
}

// --- session ---

session::session(std::shared_ptr<const rule_base> base) : impl_(std::make_unique<impl>(std::move(base))) {}
session::~session() = default;
session::session(session&&) noexcept = default;
session& session::operator=(session&&) noexcept = default;

const rule_base& session::base() const { return *impl_->base_holder; }

result<fact_id> session::assert_fact(std::string_view relation, const slot_values& slots) {
  auto r = impl_->resolve_relation(relation);
  if (!r) return r.errors();
  if (*r == detail::output_relation) return output_fact_error();
  auto vals = impl_->resolve_slots(*r, slots);
  if (!vals) return vals.errors();
  return impl_->assert_atoms(*r, vals->data(), true, no_index);
}

fact_id session::assert_fact(const prepared_fact& fact) {
  // Its ids index another rule base's relations and symbols: asserting it would store nonsense.
  if (fact.base_ != impl_->base_holder.get())
    throw std::invalid_argument("prepared_fact used with a session of another rule base");
  if (fact.unresolved_.empty()) return impl_->assert_atoms(fact.relation_, fact.atoms_.data(), true, no_index);
  std::vector<atom> vals = fact.atoms_;
  for (const auto& [slot, v] : fact.unresolved_) vals[slot] = impl_->to_atom(v);
  return impl_->assert_atoms(fact.relation_, vals.data(), true, no_index);
}

bool session::retract(fact_id id) {
  if (!is_live(id)) return false;
  impl_->retract_fact(id);
  return true;
}

result<fact_id> session::modify(fact_id id, const slot_values& changes) {
  if (!is_live(id)) {
    diagnostic d;
    d.code = "engine.no_such_fact";
    d.message = "fact " + std::to_string(id) + " is not in working memory";
    return d;
  }
  std::uint32_t relation = impl_->facts[id].relation;
  // Changing an output from outside would be asserting one from outside.
  if (relation == detail::output_relation) return output_fact_error();
  std::vector<atom> vals(impl_->values_of(id), impl_->values_of(id) + impl_->arity(relation));
  const auto& rel = impl_->base.relations[relation];
  for (const auto& [name, v] : changes) {
    auto s = rel.slot_index(name);
    if (s == no_index) return unknown_slot_error(rel, name);
    vals[s] = impl_->to_atom(v);
  }
  impl_->retract_fact(id);
  return impl_->assert_atoms(relation, vals.data(), true, no_index);
}

result<run_report> session::run(std::size_t firing_limit) { return impl_->run(firing_limit); }

void session::reset() { impl_->reset(); }

bool session::is_live(fact_id id) const { return id < impl_->facts.size() && impl_->facts[id].alive; }

std::optional<fact_view> session::fact(fact_id id) const {
  if (!is_live(id)) return std::nullopt;
  return impl_->view(id);
}

std::vector<fact_view> session::facts() const {
  std::vector<fact_view> out;
  for (fact_id f = 0; f < impl_->facts.size(); ++f)
    if (impl_->facts[f].alive) out.push_back(impl_->view(f));
  return out;
}

std::vector<fact_view> session::facts(std::string_view relation) const {
  std::vector<fact_view> out;
  auto r = impl_->base.find_relation(relation);
  if (r == no_index) return out;
  for (fact_id f = 0; f < impl_->facts.size(); ++f)
    if (impl_->facts[f].alive && impl_->facts[f].relation == r) out.push_back(impl_->view(f));
  return out;
}

std::vector<output> session::outputs() const {
  std::vector<output> out;
  for (fact_id f = 0; f < impl_->facts.size(); ++f) {
    const auto& rec = impl_->facts[f];
    if (!rec.alive || rec.relation != detail::output_relation) continue;
    const atom* v = impl_->values_of(f);
    out.push_back({impl_->to_value(v[0]).text(), impl_->to_value(v[1]), f});
  }
  return out;
}

std::vector<output> session::outputs(std::string_view name) const {
  auto all = outputs();
  std::erase_if(all, [&](const output& o) { return o.name != name; });
  return all;
}

std::optional<fact_id> session::find(std::string_view relation, const slot_values& slots) const {
  auto r = impl_->base.find_relation(relation);
  if (r == no_index) return std::nullopt;
  const auto& rel = impl_->base.relations[r];
  std::vector<atom> vals(rel.slots.size(), atom::symbol(0));
  for (const auto& [name, v] : slots) {
    auto s = rel.slot_index(name);
    if (s == no_index) return std::nullopt;
    if (v.is_number()) {
      vals[s] = atom::number(v.number());
      continue;
    }
    auto id = impl_->base.symbols.find(v.text());
    if (!id) id = impl_->local_symbols.find(v.text());
    if (!id) return std::nullopt;
    vals[s] = v.is_symbol() ? atom::symbol(*id) : atom::string(*id);
  }
  auto f = impl_->find_fact(r, vals.data(), impl_->fact_hash(r, vals.data()));
  if (f == detail::flat_index::none) return std::nullopt;
  return f;
}

std::optional<derivation> session::derived_by(fact_id id) const {
  if (!is_live(id)) return std::nullopt;
  const auto& rec = impl_->facts[id];
  std::uint32_t oldest = no_index;
  for (auto l = rec.supports; l != no_link; l = impl_->links[l].next)
    if (impl_->matches[impl_->links[l].target].alive) oldest = impl_->links[l].target;  // the list runs newest first
  if (oldest == no_index) return std::nullopt;
  const auto& m = impl_->matches[oldest];
  const auto& rule = impl_->base.rules[m.rule];
  derivation d;
  d.rule = rule.name;
  d.salience = rule.salience;
  const fact_id* first = impl_->tuple_pool.data() + m.facts;
  d.matched.assign(first, first + rule.positives.size());
  return d;
}

std::optional<value> session::first_value(std::string_view relation, std::string_view slot) const {
  auto r = impl_->base.find_relation(relation);
  if (r == no_index) return std::nullopt;
  auto s = impl_->base.relations[r].slot_index(slot);
  if (s == no_index) return std::nullopt;
  for (fact_id f = 0; f < impl_->facts.size(); ++f)
    if (impl_->facts[f].alive && impl_->facts[f].relation == r) return impl_->to_value(impl_->values_of(f)[s]);
  return std::nullopt;
}

std::optional<explanation> session::why(fact_id id) const {
  if (!is_live(id)) return std::nullopt;
  std::set<fact_id> path;
  return impl_->explain(id, path);
}

}  // namespace advisor::engine
