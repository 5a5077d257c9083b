#include "lang/parser.hpp"

#include <string>
#include <utility>

#include "lang/lexer.hpp"

namespace advisor::engine::detail {
namespace {

constexpr std::string_view block_keywords[] = {"relation", "fact",   "rule",   "concept", "entity",
                                               "words",    "intent", "answer", "setting"};

// One statement: the tokens of a line, or of several lines while a parenthesis is open.
struct statement {
  std::size_t begin = 0;
  std::size_t end = 0;  // exclusive
};

class parser {
 public:
  parser(std::uint32_t file, std::string_view file_name, std::string_view text,
         std::vector<diagnostic>& diagnostics)
      : file_(file), file_name_(file_name), text_(text), diagnostics_(diagnostics),
        tokens_(lex(text)) {
    split_statements();
  }

  ast_file run() {
    ast_file out;
    std::size_t s = 0;
    while (s < statements_.size()) {
      const token& first = tokens_[statements_[s].begin];
      if (first.kind == token_kind::word && first.text == "relation") {
        parse_relation(statements_[s++], out);
      } else if (first.kind == token_kind::word && first.text == "fact") {
        at_ = statements_[s].begin + 1;
        end_ = statements_[s++].end;
        if (auto p = parse_pattern(false)) out.facts.push_back(std::move(*p));
      } else if (first.kind == token_kind::word && first.text == "rule") {
        s = parse_rule(s, out);
      } else if (first.kind == token_kind::word && (first.text == "concept" || first.text == "entity")) {
        parse_concept(statements_[s++], out);
      } else if (first.kind == token_kind::word && first.text == "words") {
        at_ = statements_[s].begin + 1;
        end_ = statements_[s].end;
        if (auto raw = raw_after_colon("`words:` followed by the words")) split_terms(*raw, out.words);
        ++s;
      } else if (first.kind == token_kind::word && first.text == "setting") {
        parse_setting(statements_[s++], out);
      } else if (first.kind == token_kind::word && first.text == "intent") {
        s = parse_intent(s, out);
      } else if (first.kind == token_kind::word && first.text == "answer") {
        s = parse_answer(s, out);
      } else {
        error(first, "syntax.expected_block",
              "expected a block to start here (relation, fact, rule, concept, entity, words, intent, answer or setting), found " + show(first),
              "every block starts at the beginning of a line with its keyword");
        ++s;
        while (s < statements_.size() && !starts_block(statements_[s])) ++s;
      }
    }
    return out;
  }

 private:
  void split_statements() {
    std::size_t i = 0;
    while (tokens_[i].kind != token_kind::end) {
      statement st;
      st.begin = i;
      // Only a test's set, `?x in (a, b, ...)`, may run over several lines; free text never does.
      const bool may_continue = tokens_[i].kind == token_kind::variable;
      int depth = 0;
      do {
        if (tokens_[i].kind == token_kind::lparen) ++depth;
        if (tokens_[i].kind == token_kind::rparen && depth > 0) --depth;
        ++i;
      } while (tokens_[i].kind != token_kind::end &&
               (!tokens_[i].starts_line || (may_continue && depth > 0 && continues_set(tokens_[i]))));
      st.end = i;
      statements_.push_back(st);
    }
  }

  // A block ends where a line starts, unindented, with a block keyword. Indented lines belong
  // to the block above, so a rule's condition may mention the built-in `intent` or `entity`.
  // A line that starts like a statement of its own ends an unclosed set, so one missing ')'
  // costs one error, not every rule after it.
  static bool continues_set(const token& t) {
    if (t.column == 1 || t.kind == token_kind::variable) return false;
    if (t.kind != token_kind::word) return true;
    for (auto w : {"when", "if", "then", "not", "add", "remember", "remove", "change", "emit", "priority", "salience"})
      if (t.text == w) return false;
    return true;
  }

  bool starts_block(const statement& st) const {
    const token& t = tokens_[st.begin];
    return t.kind == token_kind::word && t.column == 1 && is_block_keyword(t.text);
  }

  // --- token cursor within the current statement ---
  bool done() const { return at_ >= end_; }
  const token& peek() const { return at_ < end_ ? tokens_[at_] : line_end_token(); }
  const token& line_end_token() const {
    // Points just past the last token of the statement, for "expected X" at end of line.
    static thread_local token t;
    const token& last = tokens_[end_ - 1];
    t = last;
    t.kind = token_kind::end;
    t.column = last.column + last.length;
    return t;
  }
  const token& next() { return at_ < end_ ? tokens_[at_++] : line_end_token(); }
  bool accept(token_kind k) {
    if (!done() && peek().kind == k) {
      ++at_;
      return true;
    }
    return false;
  }
  bool accept_word(std::string_view w) {
    if (!done() && peek().kind == token_kind::word && peek().text == w) {
      ++at_;
      return true;
    }
    return false;
  }

  std::string show(const token& t) const {
    if (t.kind == token_kind::end) return "the end of the line";
    if (t.kind == token_kind::invalid) {
      if (t.text == "\"") return "a quoted text with no closing quote";
      return "'" + t.text + "' (a character the language doesn't use)";
    }
    if (t.kind == token_kind::variable) return "'?" + t.text + "'";
    if (t.kind == token_kind::string) return "\"" + t.text + "\"";
    return "'" + t.text + "'";
  }

  source_pos pos(const token& t) const { return {file_, t.line, t.column}; }

  void error(const token& t, std::string code, std::string message, std::string hint = {}) {
    diagnostic d;
    d.code = std::move(code);
    d.message = std::move(message);
    d.hint = std::move(hint);
    d.file = std::string(file_name_);
    d.line = t.line;
    d.column = t.column;
    d.source_line = std::string(line_of(text_, t.line));
    diagnostics_.push_back(std::move(d));
  }

  // Reports what is left on the line, if anything.
  void expect_line_end(std::string_view what) {
    if (!done()) {
      error(peek(), "syntax.unexpected", "unexpected " + show(peek()) + " after " + std::string(what));
    }
  }

  std::optional<ast_name> parse_name(std::string_view what) {
    const token& t = peek();
    if (t.kind == token_kind::word || t.kind == token_kind::string) {
      next();
      return ast_name{t.text, pos(t)};
    }
    error(t, "syntax.expected_name", "expected " + std::string(what) + ", found " + show(t));
    return std::nullopt;
  }

  std::optional<ast_value> parse_value() {
    const token& t = peek();
    ast_value v;
    v.pos = pos(t);
    v.text = t.text;
    switch (t.kind) {
      case token_kind::word: v.type = ast_value::kind::symbol; break;
      case token_kind::string: v.type = ast_value::kind::string; break;
      case token_kind::number: v.type = ast_value::kind::number; v.number = t.number; break;
      case token_kind::variable:
        v.type = ast_value::kind::variable;
        if (t.text.empty()) {
          error(t, "syntax.empty_variable", "a variable needs a name after '?'", "write it like ?area");
          next();
          return std::nullopt;
        }
        break;
      default:
        error(t, "syntax.expected_value",
              "expected a value (a word, a number, a quoted text or a ?variable), found " + show(t));
        return std::nullopt;
    }
    next();
    return v;
  }

  void parse_relation(const statement& st, ast_file& out) {
    at_ = st.begin + 1;
    end_ = st.end;
    auto name = parse_name("the relation's name");
    if (!name) return;
    ast_relation rel;
    rel.name = *name;
    if (accept(token_kind::colon)) {
      do {
        auto slot = parse_name("a slot name");
        if (!slot) return;
        rel.slots.push_back(*slot);
      } while (accept(token_kind::comma));
    }
    expect_line_end("the relation's slots (write them as `relation concern: area, severity`)");
    out.relations.push_back(std::move(rel));
  }

  // REL slot: value ... [as ?f]; `negated` when it followed `not`.
  std::optional<ast_pattern> parse_pattern(bool negated) {
    ast_pattern p;
    p.negated = negated;
    auto rel = parse_name("a relation name");
    if (!rel) return std::nullopt;
    p.relation = *rel;
    if (!parse_slots(p)) return std::nullopt;
    if (accept_word("as")) {
      auto v = parse_value();
      if (!v) return std::nullopt;
      if (v->type != ast_value::kind::variable) {
        error(tokens_[at_ - 1], "syntax.expected_variable", "expected a ?variable after `as`",
              "name the fact like this: `concern area: eyes as ?c`");
        return std::nullopt;
      }
      p.fact_var = *v;
    }
    if (!done()) {
      const token& t = peek();
      if (t.kind == token_kind::word) {
        error(t, "syntax.expected_colon", "expected ':' after the slot name '" + t.text + "'",
              "slots are written `name: value`");
      } else {
        error(t, "syntax.unexpected", "unexpected " + show(t) + " in a pattern",
              "a pattern is a relation name followed by `slot: value` pairs");
      }
      return std::nullopt;
    }
    return p;
  }

  bool parse_slots(ast_pattern& p) {
    while (!done() && peek().kind == token_kind::word && peek().text != "as") {
      if (at_ + 1 >= end_ || tokens_[at_ + 1].kind != token_kind::colon) return true;  // caller reports
      ast_slot slot;
      slot.name = {peek().text, pos(peek())};
      at_ += 2;
      auto v = parse_value();
      if (!v) return false;
      slot.value = *v;
      p.slots.push_back(std::move(slot));
      accept(token_kind::comma);  // optional separator
    }
    return true;
  }

  std::optional<ast_test> parse_test() {
    ast_test t;
    auto lhs = parse_value();
    if (!lhs) return std::nullopt;
    t.lhs = *lhs;
    const token& op = peek();
    if (op.kind == token_kind::op) {
      next();
      t.op = {op.text, pos(op)};
      auto rhs = parse_value();
      if (!rhs) return std::nullopt;
      t.rhs.push_back(*rhs);
    } else if (op.kind == token_kind::word && (op.text == "in" || op.text == "not")) {
      next();
      t.op = {op.text, pos(op)};
      if (op.text == "not") {
        if (!accept_word("in")) {
          error(peek(), "syntax.expected_in", "expected `in` after `not` in a test",
                "write `?area not in (eyes, eyelids)`");
          return std::nullopt;
        }
        t.op.text = "not in";
      }
      if (!accept(token_kind::lparen)) {
        error(peek(), "syntax.expected_set", "expected '(' to open the set of values",
              "write `?area in (eyes, eyelids)`");
        return std::nullopt;
      }
      while (!accept(token_kind::rparen)) {
        auto v = parse_value();
        if (!v) return std::nullopt;
        t.rhs.push_back(*v);
        if (!accept(token_kind::comma) && !done() && peek().kind != token_kind::rparen) {
          error(peek(), "syntax.expected_comma", "expected ',' or ')' in the set, found " + show(peek()));
          return std::nullopt;
        }
        if (done()) {
          error(peek(), "syntax.unclosed_set", "the set is not closed with ')'");
          return std::nullopt;
        }
      }
    } else {
      error(op, "syntax.expected_operator",
            "expected a comparison (=, !=, <, >, <=, >=, in, not in) after the variable, found " + show(op));
      return std::nullopt;
    }
    expect_line_end("the test");
    return t;
  }

  std::optional<ast_action> parse_action() {
    ast_action a;
    const token& verb = next();
    a.verb = {verb.text, pos(verb)};
    if (verb.text == "add" || verb.text == "remember") {
      auto p = parse_pattern(false);
      if (!p) return std::nullopt;
      if (p->fact_var) {
        error(tokens_[at_ - 1], "syntax.unexpected", "`as` names a matched fact; it has no place in `" +
              verb.text + "`");
        return std::nullopt;
      }
      a.pattern = std::move(*p);
    } else if (verb.text == "remove" || verb.text == "change") {
      auto v = parse_value();
      if (!v) return std::nullopt;
      if (v->type != ast_value::kind::variable) {
        error(tokens_[at_ - 1], "syntax.expected_variable",
              "`" + verb.text + "` needs the ?variable of a matched fact",
              "name the fact in the condition with `as ?f`, then write `" + verb.text + " ?f`");
        return std::nullopt;
      }
      a.target = *v;
      if (verb.text == "change") {
        if (!parse_slots(a.pattern)) return std::nullopt;
        if (a.pattern.slots.empty()) {
          error(peek(), "syntax.expected_slot", "`change` needs at least one `slot: value` to change");
          return std::nullopt;
        }
      }
      expect_line_end("the action");
    } else if (verb.text == "emit") {
      for (int i = 0; i < 2; ++i) {
        auto v = parse_value();
        if (!v) return std::nullopt;
        a.args.push_back(*v);
      }
      expect_line_end("`emit NAME VALUE`");
    }
    return a;
  }

  // The free text after the `:` that follows the cursor (which must be at the colon), to the end
  // of the line, trimmed. Free text is taken as written: quotes, parentheses and # are literal.
  std::optional<ast_text> raw_after_colon(std::string_view expected) {
    if (done() || peek().kind != token_kind::colon) {
      error(peek(), "syntax.expected_colon", "expected ':' here, then " + std::string(expected));
      return std::nullopt;
    }
    const token& colon = peek();
    at_ = end_;
    std::string_view line = line_of(text_, colon.line);
    auto start = static_cast<std::size_t>(colon.column);  // just past the colon
    while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) ++start;
    std::size_t stop = line.size();
    while (stop > start && (line[stop - 1] == ' ' || line[stop - 1] == '\t')) --stop;
    if (start >= stop) {
      error(colon, "syntax.empty_text", "nothing after ':'; expected " + std::string(expected));
      return std::nullopt;
    }
    return ast_text{std::string(line.substr(start, stop - start)), {file_, colon.line, static_cast<int>(start) + 1}};
  }

  // "a, b c, d" -> terms with their own columns.
  static void split_terms(const ast_text& raw, std::vector<ast_text>& out) {
    std::size_t i = 0;
    const std::string& t = raw.text;
    while (i <= t.size()) {
      std::size_t comma = t.find(',', i);
      if (comma == std::string::npos) comma = t.size();
      std::size_t a = i, b = comma;
      while (a < b && (t[a] == ' ' || t[a] == '\t')) ++a;
      while (b > a && (t[b - 1] == ' ' || t[b - 1] == '\t')) --b;
      if (b > a) out.push_back({t.substr(a, b - a), {raw.pos.file, raw.pos.line, raw.pos.column + static_cast<int>(a)}});
      i = comma + 1;
    }
  }

  void parse_concept(const statement& st, ast_file& out) {
    at_ = st.begin;
    end_ = st.end;
    const token& keyword = next();
    ast_concept c;
    if (keyword.text == "entity") {
      auto type = parse_name("the entity's type (like `entity area eyes: eye, eyes`)");
      if (!type) return;
      c.entity_type = type->text;
    }
    auto name = parse_name(keyword.text == "entity" ? "the entity's value" : "the concept's name");
    if (!name) return;
    c.name = *name;
    auto raw = raw_after_colon("the words and phrases it covers, separated by commas");
    if (!raw) return;
    split_terms(*raw, c.terms);
    out.concepts.push_back(std::move(c));
  }

  void parse_setting(const statement& st, ast_file& out) {
    at_ = st.begin + 1;
    end_ = st.end;
    auto name = parse_name("the setting's name");
    if (!name) return;
    auto raw = raw_after_colon("the setting's value");
    if (!raw) return;
    std::string& v = raw->text;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    out.settings.push_back({*name, *raw});
  }

  // A block whose lines are `key: free text` (or a lone flag word); calls `on_line(key, text)`.
  template <class OnLine>
  std::size_t parse_text_block(std::size_t s, std::string_view what, ast_name& name, OnLine&& on_line) {
    at_ = statements_[s].begin + 1;
    end_ = statements_[s].end;
    auto parsed = parse_name("the " + std::string(what) + "'s name");
    if (parsed) {
      name = *parsed;
      expect_line_end("the " + std::string(what) + "'s name");
    }
    for (++s; s < statements_.size() && !starts_block(statements_[s]); ++s) {
      at_ = statements_[s].begin;
      end_ = statements_[s].end;
      const token& key = next();
      if (key.kind != token_kind::word) {
        error(key, "syntax.expected_key", "expected a line like `example: ...` in this " + std::string(what) + ", found " + show(key));
        continue;
      }
      on_line(key);
    }
    return s;
  }

  std::size_t parse_intent(std::size_t s, ast_file& out) {
    ast_intent intent;
    std::size_t next_s = parse_text_block(s, "intent", intent.name, [&](const token& key) {
      if (key.text == "follow-up") {
        intent.follow_up = true;
        expect_line_end("`follow-up`");
      } else if (key.text == "example" || key.text == "cue" || key.text == "ask") {
        auto raw = raw_after_colon(key.text == "cue" ? "the words that must all appear" : "a question");
        if (!raw) return;
        if (key.text == "example") intent.examples.push_back(*raw);
        if (key.text == "cue") intent.cues.push_back(*raw);
        if (key.text == "ask") {
          if (intent.ask) error(key, "syntax.duplicate_ask", "this intent already has an `ask:` line");
          intent.ask = *raw;
        }
      } else {
        error(key, "syntax.unknown_intent_line", "unknown line '" + key.text + "' in an intent",
              "an intent has `ask:`, `example:` and `cue:` lines, and may be marked `follow-up`");
      }
    });
    if (!intent.name.text.empty()) out.intents.push_back(std::move(intent));
    return next_s;
  }

  std::size_t parse_answer(std::size_t s, ast_file& out) {
    ast_answer answer;
    std::size_t next_s = parse_text_block(s, "answer", answer.topic, [&](const token& key) {
      if (key.text == "text" || key.text == "suggest") {
        auto raw = raw_after_colon(key.text == "text" ? "the answer's text" : "a follow-up question");
        if (!raw) return;
        (key.text == "text" ? answer.texts : answer.suggestions).push_back(*raw);
      } else {
        error(key, "syntax.unknown_answer_line", "unknown line '" + key.text + "' in an answer",
              "an answer has `text:` lines (joined into one paragraph) and `suggest:` lines");
      }
    });
    if (!answer.topic.text.empty()) {
      if (answer.texts.empty()) {
        error(tokens_[statements_[s].begin], "syntax.empty_answer", "answer '" + answer.topic.text + "' has no `text:` line");
      }
      out.answers.push_back(std::move(answer));
    }
    return next_s;
  }

  // rule NAME, then its statements until the next block.
  std::size_t parse_rule(std::size_t s, ast_file& out) {
    ast_rule rule;
    at_ = statements_[s].begin + 1;
    end_ = statements_[s].end;
    const token& header = tokens_[statements_[s].begin];
    auto name = parse_name("the rule's name");
    bool ok = name.has_value();
    if (ok) {
      rule.name = *name;
      expect_line_end("the rule's name (a name with spaces goes in quotes)");
    } else {
      rule.name = {"", pos(header)};
    }
    enum class section { opening, when, then } in = section::opening;
    int action_lines = 0;  // written, even if wrong: a wrong action is its own error
    for (++s; s < statements_.size() && !starts_block(statements_[s]); ++s) {
      at_ = statements_[s].begin;
      end_ = statements_[s].end;
      const token& first = peek();
      bool is_word = first.kind == token_kind::word;
      if (is_word && (first.text == "when" || first.text == "if")) {
        next();
        if (in != section::opening) error(first, "syntax.misplaced_when", "`" + first.text + "` appears twice or after `then`");
        in = section::when;
        expect_line_end("`" + first.text + "` (conditions go on the lines below it)");
      } else if (is_word && first.text == "then") {
        next();
        if (in == section::then) error(first, "syntax.misplaced_then", "`then` appears twice in this rule");
        in = section::then;
        rule.has_then = true;
        expect_line_end("`then` (actions go on the lines below it)");
      } else if (is_word && (first.text == "salience" || first.text == "priority")) {
        next();
        if (in != section::opening) {
          error(first, "syntax.misplaced_salience", "`" + first.text + "` goes right after the rule's name, before `when`");
        }
        auto v = parse_value();
        if (v) {
          if (v->type != ast_value::kind::number) {
            error(tokens_[at_ - 1], "syntax.expected_number", "`" + first.text + "` takes a number, like `" + first.text + " 10`");
          } else if (rule.salience) {
            error(first, "syntax.duplicate_salience", "this rule already has a `" + first.text + "`",
                  "keep one `" + first.text + "` line per rule");
          } else {
            rule.salience = *v;
          }
          expect_line_end("the " + first.text);
        }
      } else if (in == section::when) {
        if (first.kind == token_kind::variable) {
          if (auto t = parse_test()) rule.conditions.push_back({std::nullopt, std::move(*t)});
        } else {
          bool negated = accept_word("not");
          if (auto p = parse_pattern(negated)) rule.conditions.push_back({std::move(*p), {}});
        }
      } else if (in == section::then) {
        ++action_lines;
        if (is_word && (first.text == "add" || first.text == "remember" || first.text == "remove" ||
                        first.text == "change" || first.text == "emit")) {
          if (auto a = parse_action()) rule.actions.push_back(std::move(*a));
        } else {
          error(first, "syntax.unknown_action", "unknown action " + show(first),
                "actions are `add`, `remember`, `remove`, `change` and `emit`");
        }
      } else {
        error(first, "syntax.expected_when", "expected `when` before the rule's conditions, found " + show(first),
              "a rule reads: rule NAME / when / conditions / then / actions");
      }
    }
    if (ok) {
      if (!rule.has_then) {
        error(header, "syntax.missing_then", "rule '" + rule.name.text + "' has no `then` section",
              "add a line `then` followed by what the rule does");
      } else if (action_lines == 0) {
        error(header, "syntax.empty_then", "rule '" + rule.name.text + "' does nothing after `then`");
      }
      out.rules.push_back(std::move(rule));
    }
    return s;
  }

  std::uint32_t file_;
  std::string_view file_name_;
  std::string_view text_;
  std::vector<diagnostic>& diagnostics_;
  std::vector<token> tokens_;
  std::vector<statement> statements_;
  std::size_t at_ = 0;
  std::size_t end_ = 0;
};

}  // namespace

bool is_block_keyword(std::string_view word) {
  for (auto k : block_keywords)
    if (k == word) return true;
  return false;
}

ast_file parse(std::uint32_t file, std::string_view file_name, std::string_view text,
               std::vector<diagnostic>& diagnostics) {
  return parser(file, file_name, text, diagnostics).run();
}

}  // namespace advisor::engine::detail
