#include "lang/compiler.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

#include "lang/lexer.hpp"
#include "lang/parser.hpp"
#include "util/edit_distance.hpp"
#include "understand/model_builder.hpp"
#include "util/utf8.hpp"

namespace advisor::engine::detail {
namespace {

constexpr std::string_view reserved_words[] = {"not", "as", "in", "when", "if", "then", "salience",
                                               "priority", "add", "remember", "remove", "change", "emit"};

std::string with_hint_prefix(const std::string& s) { return s.empty() ? s : "did you mean '" + s + "'?"; }

class compiler {
 public:
  compiler(const std::vector<knowledge_source>& sources, std::vector<diagnostic>& diagnostics)
      : sources_(sources), diagnostics_(diagnostics), data_(std::make_unique<rule_base_data>()) {}

  std::unique_ptr<rule_base_data> run() {
    data_->symbols.intern("nil");  // id 0
    declare_builtin_output();
    std::vector<ast_file> files;
    for (std::uint32_t f = 0; f < sources_.size(); ++f) {
      data_->files.push_back(sources_[f].name);
      check_utf8(f);
      const std::string& name = sources_[f].name;
      if (name.size() > 6 && name.compare(name.size() - 6, 6, ".words") == 0) {
        files.push_back(read_word_list(sources_[f].text));
      } else {
        files.push_back(parse(f, name, sources_[f].text, diagnostics_));
      }
    }
    for (auto& file : files)
      for (auto& rel : file.relations) declare(rel);
    for (auto& file : files)
      for (auto& fact : file.facts) add_initial_fact(fact);
    for (auto& file : files)
      for (auto& rule : file.rules) add_rule(rule);
    data_->model = build_model(files, *data_, [this](severity level, const source_pos& at, std::string code,
                                                     std::string message, std::string hint) {
      report(level, at, std::move(code), std::move(message), std::move(hint));
    });
    warn_unused_relations();
    std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const diagnostic& a, const diagnostic& b) {
      return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
    });
    if (has_errors(diagnostics_)) return nullptr;
    data_->warnings = diagnostics_;
    return std::move(data_);
  }

 private:
  // --- diagnostics ---
  void report(severity level, const source_pos& at, std::string code, std::string message, std::string hint = {}) {
    diagnostic d;
    d.level = level;
    d.code = std::move(code);
    d.message = std::move(message);
    d.hint = std::move(hint);
    if (at.file < sources_.size()) {
      d.file = sources_[at.file].name;
      d.source_line = std::string(line_of(sources_[at.file].text, at.line));
    }
    d.line = at.line;
    d.column = at.column;
    diagnostics_.push_back(std::move(d));
  }
  void error(const source_pos& at, std::string code, std::string message, std::string hint = {}) {
    report(severity::error, at, std::move(code), std::move(message), std::move(hint));
  }

  void check_utf8(std::uint32_t f) {
    const std::string& text = sources_[f].text;
    std::size_t bad = first_invalid_utf8(text);
    if (bad == std::string::npos) return;
    int line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < bad; ++i)
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    error({f, line, static_cast<int>(bad - line_start) + 1}, "knowledge.invalid_utf8",
          "this file is not valid UTF-8 text", "save the file as UTF-8 in your editor");
  }

  // A word list: one word per line, optionally followed by a count; # starts a comment.
  static ast_file read_word_list(std::string_view text) {
    ast_file out;
    std::size_t i = 0;
    while (i < text.size()) {
      std::size_t end = text.find('\n', i);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(i, end - i);
      i = end + 1;
      std::size_t word_end = line.find_first_of(" \t\r#");
      std::string_view word = line.substr(0, word_end);
      if (!word.empty()) out.dictionary.emplace_back(word);
    }
    return out;
  }

  // --- relations ---
  void declare_builtin_output() {
    relation_info out;
    out.name = "output";
    out.slots = {"name", "value"};
    out.builtin = true;
    data_->relation_by_name.emplace(out.name, output_relation);
    data_->relations.push_back(std::move(out));
    data_->relation_indexes.emplace_back();
    for (const auto& b : understanding_relations()) {
      relation_info rel;
      rel.name = b.name;
      rel.slots = b.slots;
      rel.builtin = true;
      data_->relation_by_name.emplace(rel.name, static_cast<std::uint32_t>(data_->relations.size()));
      data_->relations.push_back(std::move(rel));
      data_->relation_indexes.emplace_back();
    }
  }

  void declare(const ast_relation& rel) {
    for (auto w : reserved_words)
      if (rel.name.text == w) {
        error(rel.name.pos, "knowledge.reserved_name", "'" + rel.name.text + "' is a keyword and can't name a relation");
        return;
      }
    if (auto existing = data_->find_relation(rel.name.text); existing != no_index) {
      const auto& prev = data_->relations[existing];
      error(rel.name.pos, "knowledge.duplicate_relation", "relation '" + rel.name.text + "' is declared twice",
            prev.builtin ? "'" + prev.name + "' is built in; use it without declaring it"
                         : "the first declaration is at " + where(prev.pos));
      return;
    }
    relation_info info;
    info.name = rel.name.text;
    info.pos = rel.name.pos;
    for (const auto& slot : rel.slots) {
      if (std::find(info.slots.begin(), info.slots.end(), slot.text) != info.slots.end()) {
        error(slot.pos, "knowledge.duplicate_slot", "slot '" + slot.text + "' appears twice in relation '" + info.name + "'");
        continue;
      }
      info.slots.push_back(slot.text);
    }
    data_->relation_by_name.emplace(info.name, static_cast<std::uint32_t>(data_->relations.size()));
    data_->relations.push_back(std::move(info));
    data_->relation_indexes.emplace_back();
  }

  std::string where(const source_pos& p) const {
    return (p.file < sources_.size() ? sources_[p.file].name : std::string("?")) + ":" + std::to_string(p.line);
  }

  std::vector<std::string> relation_names() const {
    std::vector<std::string> names;
    for (const auto& r : data_->relations) names.push_back(r.name);
    return names;
  }

  std::uint32_t resolve_relation(const ast_name& name) {
    auto r = data_->find_relation(name.text);
    if (r == no_index) {
      error(name.pos, "knowledge.unknown_relation", "unknown relation '" + name.text + "'",
            with_hint_prefix(nearest(name.text, relation_names())).empty()
                ? "declare it first: `relation " + name.text + ": slot1, slot2`"
                : with_hint_prefix(nearest(name.text, relation_names())));
    }
    return r;
  }

  std::uint32_t resolve_slot(std::uint32_t relation, const ast_name& slot) {
    const auto& rel = data_->relations[relation];
    auto s = rel.slot_index(slot.text);
    if (s == no_index) {
      std::string hint = with_hint_prefix(nearest(slot.text, rel.slots));
      std::string list;
      for (const auto& n : rel.slots) list += (list.empty() ? "" : ", ") + n;
      if (hint.empty()) hint = rel.slots.empty() ? "'" + rel.name + "' has no slots" : "its slots are: " + list;
      error(slot.pos, "knowledge.unknown_slot", "relation '" + rel.name + "' has no slot '" + slot.text + "'", hint);
    }
    return s;
  }

  atom constant(const ast_value& v) {
    switch (v.type) {
      case ast_value::kind::symbol: return atom::symbol(data_->symbols.intern(v.text));
      case ast_value::kind::string: return atom::string(data_->symbols.intern(v.text));
      case ast_value::kind::number: return atom::number(v.number);
      case ast_value::kind::variable: break;
    }
    return atom::symbol(0);
  }

  // --- initial facts ---
  void add_initial_fact(const ast_pattern& p) {
    auto rel = resolve_relation(p.relation);
    if (rel == no_index) return;
    if (rel == output_relation) {
      error(p.relation.pos, "knowledge.output_fact", "outputs come from rules (`emit`), not from `fact`");
      return;
    }
    initial_fact fact;
    fact.relation = rel;
    fact.values.assign(data_->relations[rel].slots.size(), atom::symbol(0));
    bool ok = true;
    for (const auto& slot : p.slots) {
      auto s = resolve_slot(rel, slot.name);
      if (s == no_index) {
        ok = false;
        continue;
      }
      if (slot.value.type == ast_value::kind::variable) {
        error(slot.value.pos, "knowledge.variable_in_fact", "a fact holds values, not variables like '?" + slot.value.text + "'");
        ok = false;
        continue;
      }
      fact.values[s] = constant(slot.value);
    }
    if (ok) data_->initial_facts.push_back(std::move(fact));
  }

  // --- rules ---
  struct rule_scope {
    std::map<std::string, std::uint32_t> vars;            // name -> index
    std::map<std::string, std::uint32_t> fact_vars;       // name -> pattern index
    std::set<std::uint32_t> bound_by_positive;
    rule_info* rule = nullptr;

    std::uint32_t var(const std::string& name) {
      auto [it, inserted] = vars.emplace(name, static_cast<std::uint32_t>(vars.size()));
      if (inserted) rule->var_names.push_back(name);
      return it->second;
    }
    std::vector<std::string> names() const {
      std::vector<std::string> out;
      for (const auto& [n, i] : vars) out.push_back(n);
      for (const auto& [n, i] : fact_vars) out.push_back(n);
      return out;
    }
  };

  void add_rule(const ast_rule& ast) {
    if (ast.name.text.empty()) return;
    if (auto it = rule_names_.find(ast.name.text); it != rule_names_.end()) {
      error(ast.name.pos, "knowledge.duplicate_rule", "there is already a rule named '" + ast.name.text + "'",
            "the other one is at " + where(it->second) + "; give each rule its own name");
      return;
    }
    rule_names_.emplace(ast.name.text, ast.name.pos);
    std::size_t errors_before = error_count();
    rule_info rule;
    rule.name = ast.name.text;
    rule.pos = ast.name.pos;
    if (ast.salience) {
      double s = ast.salience->number;
      if (!(s >= -1e6 && s <= 1e6) || s != static_cast<double>(static_cast<int>(s))) {  // range first: the cast needs it
        error(ast.salience->pos, "knowledge.bad_salience", "salience must be a whole number between -1000000 and 1000000");
      } else {
        rule.salience = static_cast<int>(s);
      }
    }
    rule_scope scope;
    scope.rule = &rule;
    // Positive patterns first, so negations and tests can tell bound variables from local ones.
    for (const auto& c : ast.conditions)
      if (c.pattern && !c.pattern->negated) add_pattern(*c.pattern, rule, scope);
    for (const auto& c : ast.conditions)
      if (c.pattern && c.pattern->negated) add_pattern(*c.pattern, rule, scope);
    for (const auto& c : ast.conditions)
      if (!c.pattern) add_test(c.test, rule, scope);
    for (const auto& a : ast.actions) add_action(a, rule, scope);
    if (error_count() != errors_before) return;
    plan(rule);
    auto index = static_cast<std::uint32_t>(data_->rules.size());
    for (std::uint32_t p = 0; p < rule.patterns.size(); ++p) {
      successor succ;
      succ.rule = index;
      succ.pattern = p;
      succ.negated = rule.patterns[p].negated;
      std::vector<std::uint32_t> others;
      for (auto q : rule.positives)
        if (q != p) others.push_back(rule.patterns[q].alpha);
      if (others.size() > 2) {
        succ.other_count = successor::many;
      } else {
        succ.other_count = static_cast<std::uint8_t>(others.size());
        for (std::size_t i = 0; i < others.size(); ++i) succ.other_alpha[i] = others[i];
      }
      data_->alpha_nodes[rule.patterns[p].alpha].successors.push_back(succ);
    }
    if (rule.positives.empty()) data_->rules_without_positives.push_back(index);
    data_->rules.push_back(std::move(rule));
  }

  std::size_t error_count() const {
    return static_cast<std::size_t>(std::count_if(diagnostics_.begin(), diagnostics_.end(),
                                                  [](const diagnostic& d) { return d.level == severity::error; }));
  }

  void add_pattern(const ast_pattern& p, rule_info& rule, rule_scope& scope) {
    auto rel = resolve_relation(p.relation);
    if (rel == no_index) return;
    data_->relations[rel].used_in_conditions = true;
    pattern_info info;
    info.negated = p.negated;
    info.pos = p.relation.pos;
    alpha_node alpha;
    alpha.relation = rel;
    for (const auto& slot : p.slots) {
      auto s = resolve_slot(rel, slot.name);
      if (s == no_index) continue;
      if (slot.value.type == ast_value::kind::variable) {
        auto v = scope.var(slot.value.text);
        info.vars.emplace_back(s, v);
        if (!p.negated) scope.bound_by_positive.insert(v);
      } else {
        alpha.equalities.emplace_back(s, constant(slot.value));
      }
    }
    if (p.fact_var) {
      if (p.negated) {
        error(p.fact_var->pos, "knowledge.negated_fact_var", "a `not` pattern matches no fact, so it can't be named with `as`");
      } else if (scope.fact_vars.count(p.fact_var->text) || scope.vars.count(p.fact_var->text)) {
        error(p.fact_var->pos, "knowledge.duplicate_variable", "'?" + p.fact_var->text + "' already names something else in this rule");
      } else {
        info.fact_var = static_cast<std::uint32_t>(rule.patterns.size());
        scope.fact_vars.emplace(p.fact_var->text, info.fact_var);
      }
    }
    info.alpha = intern_alpha(std::move(alpha));
    if (!p.negated) rule.positives.push_back(static_cast<std::uint32_t>(rule.patterns.size()));
    rule.patterns.push_back(std::move(info));
  }

  std::uint32_t intern_alpha(alpha_node node) {
    std::sort(node.equalities.begin(), node.equalities.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string key = std::to_string(node.relation);
    for (const auto& [slot, value] : node.equalities)
      key += "|" + std::to_string(slot) + ":" + std::to_string(static_cast<int>(value.kind)) + ":" +
             std::to_string(value.kind == atom_kind::number ? 0 : value.id) + ":" +
             std::to_string(value.num);
    if (auto it = alpha_by_key_.find(key); it != alpha_by_key_.end()) return it->second;
    auto id = static_cast<std::uint32_t>(data_->alpha_nodes.size());
    auto& index = data_->relation_indexes[node.relation];
    if (node.equalities.empty()) {
      index.unkeyed.push_back(id);
    } else {
      std::vector<std::uint32_t> slots;
      std::uint64_t h = 0;
      for (const auto& [slot, value] : node.equalities) {
        slots.push_back(slot);
        h = h * 0x9e3779b97f4a7c15ULL + value.hash();
      }
      auto group = std::find_if(index.groups.begin(), index.groups.end(), [&](const alpha_group& g) { return g.slots == slots; });
      if (group == index.groups.end()) {
        index.groups.push_back({slots, {}});
        group = index.groups.end() - 1;
      }
      group->by_key[h].push_back(id);
    }
    alpha_by_key_.emplace(std::move(key), id);
    data_->alpha_nodes.push_back(std::move(node));
    return id;
  }

  bool resolve_operand(const ast_value& v, operand& out, rule_scope& scope, std::string_view where_used) {
    if (v.type != ast_value::kind::variable) {
      out.constant = constant(v);
      return true;
    }
    auto it = scope.vars.find(v.text);
    if (it == scope.vars.end() || !scope.bound_by_positive.count(it->second)) {
      std::string hint = with_hint_prefix(nearest(v.text, scope.names()));
      if (scope.fact_vars.count(v.text)) {
        hint = "'?" + v.text + "' names a whole fact; use it with `remove` or `change`";
      } else if (it != scope.vars.end()) {
        hint = "it only appears inside a `not` pattern, which binds nothing";
      } else if (hint.empty()) {
        hint = "a variable gets its value from a pattern above, like `concern area: ?" + v.text + "`";
      }
      error(v.pos, "knowledge.unbound_variable", "'?" + v.text + "' has no value in " + std::string(where_used), hint);
      return false;
    }
    out.var = it->second;
    return true;
  }

  void add_test(const ast_test& t, rule_info& rule, rule_scope& scope) {
    test_info info;
    info.pos = t.op.pos;
    static const std::map<std::string, test_op> ops = {{"=", test_op::eq}, {"!=", test_op::ne}, {"<", test_op::lt},
                                                       {">", test_op::gt}, {"<=", test_op::le}, {">=", test_op::ge},
                                                       {"in", test_op::in}, {"not in", test_op::not_in}};
    auto op = ops.find(t.op.text);
    if (op == ops.end()) {
      error(t.op.pos, "knowledge.unknown_operator", "unknown comparison '" + t.op.text + "'", "use =, !=, <, >, <=, >=, in or not in");
      return;
    }
    info.op = op->second;
    operand lhs;
    if (!resolve_operand(t.lhs, lhs, scope, "this test")) return;
    info.lhs_var = lhs.var;
    if (info.op == test_op::in || info.op == test_op::not_in) {
      for (const auto& v : t.rhs) {
        if (v.type == ast_value::kind::variable) {
          error(v.pos, "knowledge.variable_in_set", "a set lists values, not variables");
          return;
        }
        info.rhs.set.push_back(constant(v));
      }
    } else if (!resolve_operand(t.rhs.front(), info.rhs, scope, "this test")) {
      return;
    }
    rule.tests.push_back(std::move(info));
  }

  void add_action(const ast_action& a, rule_info& rule, rule_scope& scope) {
    action_info info;
    info.pos = a.verb.pos;
    const std::string& verb = a.verb.text;
    if (verb == "add" || verb == "remember") {
      info.kind = verb == "add" ? action_kind::add : action_kind::remember;
      auto rel = resolve_relation(a.pattern.relation);
      if (rel == no_index) return;
      if (rel == output_relation) {
        error(a.pattern.relation.pos, "knowledge.output_fact", "outputs are made with `emit NAME VALUE`");
        return;
      }
      info.relation = rel;
      fill_slots(a.pattern.slots, rel, info, scope);
    } else if (verb == "remove" || verb == "change") {
      info.kind = verb == "remove" ? action_kind::remove : action_kind::change;
      auto it = scope.fact_vars.find(a.target->text);
      if (it == scope.fact_vars.end()) {
        std::vector<std::string> names;
        for (const auto& [n, i] : scope.fact_vars) names.push_back(n);
        std::string hint = with_hint_prefix(nearest(a.target->text, names));
        error(a.target->pos, "knowledge.unknown_fact_variable", "'?" + a.target->text + "' does not name a matched fact",
              hint.empty() ? "name the fact in a condition with `as ?" + a.target->text + "`" : hint);
        return;
      }
      info.fact_var = it->second;
      info.relation = data_->alpha_nodes[rule.patterns[it->second].alpha].relation;
      if (info.kind == action_kind::change) fill_slots(a.pattern.slots, info.relation, info, scope);
    } else {  // emit
      info.kind = action_kind::emit;
      info.relation = output_relation;
      operand name, val;
      if (a.args[0].type != ast_value::kind::symbol) {
        error(a.args[0].pos, "knowledge.bad_output_name", "an output's name is a plain word, like `emit topic water`");
        return;
      }
      name.constant = constant(a.args[0]);
      if (!resolve_operand(a.args[1], val, scope, "this output")) return;
      info.slots.emplace_back(0, name);
      info.slots.emplace_back(1, val);
    }
    rule.actions.push_back(std::move(info));
  }

  void fill_slots(const std::vector<ast_slot>& slots, std::uint32_t rel, action_info& info, rule_scope& scope) {
    for (const auto& slot : slots) {
      auto s = resolve_slot(rel, slot.name);
      if (s == no_index) continue;
      operand v;
      if (!resolve_operand(slot.value, v, scope, "this action")) continue;
      info.slots.emplace_back(s, std::move(v));
    }
  }

  // Join plans: where each test and negation can run once the variables it needs are bound.
  void plan(rule_info& rule) {
    auto make = [&](const std::vector<std::uint32_t>& order) {
      join_plan p;
      std::set<std::uint32_t> bound;
      std::vector<bool> test_done(rule.tests.size()), neg_done(rule.patterns.size());
      auto ready_negation = [&](std::uint32_t n) {
        for (const auto& [slot, var] : rule.patterns[n].vars)
          if (positive_vars_.count(var) && !bound.count(var)) return false;
        return true;
      };
      auto ready_test = [&](std::uint32_t t) {
        const auto& test = rule.tests[t];
        return bound.count(test.lhs_var) && (!test.rhs.is_var() || bound.count(test.rhs.var));
      };
      auto collect = [&](std::vector<std::uint32_t>& tests, std::vector<std::uint32_t>& negations) {
        for (std::uint32_t t = 0; t < rule.tests.size(); ++t)
          if (!test_done[t] && ready_test(t)) {
            test_done[t] = true;
            tests.push_back(t);
          }
        for (std::uint32_t n = 0; n < rule.patterns.size(); ++n)
          if (rule.patterns[n].negated && !neg_done[n] && ready_negation(n)) {
            neg_done[n] = true;
            negations.push_back(n);
          }
      };
      collect(p.pre_tests, p.pre_negations);
      for (auto pattern : order) {
        plan_step step;
        step.pattern = pattern;
        for (const auto& [slot, var] : rule.patterns[pattern].vars) bound.insert(var);
        collect(step.tests, step.negations);
        p.steps.push_back(std::move(step));
      }
      return p;
    };
    positive_vars_.clear();
    for (auto p : rule.positives)
      for (const auto& [slot, var] : rule.patterns[p].vars) positive_vars_.insert(var);
    rule.full = make(rule.positives);
    rule.seeded.resize(rule.patterns.size());
    for (auto seed : rule.positives) {
      std::vector<std::uint32_t> order{seed};
      for (auto p : rule.positives)
        if (p != seed) order.push_back(p);
      rule.seeded[seed] = make(order);
    }
  }

  void warn_unused_relations() {
    // A relation no rule looks at is usually a leftover or a typo; its facts change nothing.
    std::set<std::uint32_t> asserted;
    for (const auto& f : data_->initial_facts) asserted.insert(f.relation);  // data, e.g. for {shop.phone}
    for (const auto& r : data_->rules)
      for (const auto& a : r.actions) asserted.insert(a.relation);
    for (std::uint32_t i = 1; i < data_->relations.size(); ++i) {
      const auto& rel = data_->relations[i];
      if (!rel.builtin && !rel.used_in_conditions && !asserted.count(i)) {
        report(severity::warning, rel.pos, "knowledge.unused_relation",
               "relation '" + rel.name + "' is declared but no rule uses it");
      }
    }
  }

  const std::vector<knowledge_source>& sources_;
  std::vector<diagnostic>& diagnostics_;
  std::unique_ptr<rule_base_data> data_;
  std::unordered_map<std::string, std::uint32_t> alpha_by_key_;
  std::map<std::string, source_pos> rule_names_;
  std::set<std::uint32_t> positive_vars_;
};

}  // namespace

std::unique_ptr<rule_base_data> compile(const std::vector<knowledge_source>& sources,
                                        std::vector<diagnostic>& diagnostics) {
  return compiler(sources, diagnostics).run();
}

}  // namespace advisor::engine::detail
