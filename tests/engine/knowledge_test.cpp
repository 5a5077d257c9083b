// Tests for advisor/engine/knowledge.hpp: the knowledge language as compile_knowledge() reads it,
// every error with its file:line:column, code, message and hint, and a fuzz loop showing that no
// input, however broken, crashes the compiler or a session built on what it accepts.

#include "advisor/engine/knowledge.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "advisor/engine/session.hpp"
#include "engine_test_support.hpp"

namespace advisor::engine {
namespace {

using test::codes;
using test::compile;
using test::errors_of;
using test::outputs_of;
using test::run;
using test::sym;
using test::where;

// The one error of `text`; fails the test when there is not exactly one.
diagnostic only_error(std::string_view text) {
  auto errors = errors_of(text, "t.rules");
  EXPECT_EQ(errors.size(), 1u) << to_string(errors);
  return errors.empty() ? diagnostic{} : errors.front();
}

// The error with `code` among the errors of `text`; fails the test when there is none.
diagnostic error_with_code(std::string_view text, std::string_view code) {
  auto errors = errors_of(text, "t.rules");
  for (const auto& e : errors)
    if (e.code == code) return e;
  ADD_FAILURE() << "no " << code << " among:\n" << to_string(errors);
  return {};
}

// --- the language ---

TEST(knowledge_test, compiles_relations_facts_and_rules) {
  auto base = compile_knowledge("plants.rules", R"(
# Comments run to the end of the line.
relation plant: name, soil   # slots are separated by commas
relation needs: name, what

fact plant name: fern soil: dry

rule thirsty
  priority 5
  when
    plant name: ?p soil: dry
  then
    add needs name: ?p what: water
    emit advice water-weekly
)");
  ASSERT_TRUE(base) << to_string(base.errors());
  EXPECT_EQ((*base)->rule_count(), 1u);
  EXPECT_TRUE((*base)->warnings().empty());
  session s(*base);
  EXPECT_EQ(run(s), std::vector<std::string>{"thirsty"});
  EXPECT_TRUE(s.find("needs", {{"name", sym("fern")}, {"what", sym("water")}}));
}

TEST(knowledge_test, accepts_the_documented_spellings) {
  // `if` for `when`, `salience` for `priority`, quoted names, commas between slots, zero-slot
  // relations, and a set that runs over several lines.
  auto base = compile(R"(
relation go
relation reading: sensor, v

rule "check a reading"
  salience -3
  if
    go
    reading sensor: ?s, v: ?v
    ?v in (1, 2,
           3, 4)
  then
    emit ok ?s
)");
  EXPECT_EQ(base->rule_names(), std::vector<std::string>{"check a reading"});
  session s(base);
  s.assert_fact("go", {});
  s.assert_fact("reading", {{"sensor", sym("a")}, {"v", 4}});
  s.assert_fact("reading", {{"sensor", sym("b")}, {"v", 5}});
  EXPECT_EQ(run(s), std::vector<std::string>{"check a reading"});
  EXPECT_EQ(outputs_of(s, "ok"), std::vector<std::string>{"a"});
}

TEST(knowledge_test, values_are_symbols_strings_and_numbers) {
  session s(compile(R"(
relation go
fact go
rule say
  when
    go
  then
    emit word eyes
    emit text "Hello, \"world\""
    emit whole 2
    emit negative -2.5
    emit fraction .5
)"));
  run(s);
  auto out = s.outputs();
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].val, sym("eyes"));
  EXPECT_EQ(out[1].val, value::string("Hello, \"world\""));
  EXPECT_EQ(out[2].val, value(2));
  EXPECT_EQ(out[3].val, value(-2.5));
  EXPECT_EQ(out[4].val, value(0.5));
}

TEST(knowledge_test, declarations_may_sit_in_any_file) {
  auto base = compile_knowledge({
      {"rules.rules", "rule greet\n  when\n    plant name: ?p\n  then\n    emit hello ?p\n"},
      {"schema.rules", "relation plant: name\n"},
  });
  ASSERT_TRUE(base) << to_string(base.errors());
  session s(*base);
  s.assert_fact("plant", {{"name", sym("fern")}});
  EXPECT_EQ(run(s), std::vector<std::string>{"greet"});
}

TEST(knowledge_test, an_empty_file_is_an_empty_rule_base) {
  auto base = compile("# nothing yet\n");
  EXPECT_EQ(base->rule_count(), 0u);
  session s(base);
  EXPECT_TRUE(run(s).empty());
}

TEST(knowledge_test, warns_about_a_relation_no_rule_uses) {
  auto base = compile_knowledge("t.rules", R"(relation plant: name
relation unused: x
rule greet
  when
    plant name: ?p
  then
    emit hello ?p
)");
  ASSERT_TRUE(base) << "a warning does not stop the knowledge from loading";
  const auto& warnings = (*base)->warnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].level, severity::warning);
  EXPECT_EQ(warnings[0].code, "knowledge.unused_relation");
  EXPECT_EQ(warnings[0].message, "relation 'unused' is declared but no rule uses it");
  EXPECT_EQ(where(warnings[0]), "t.rules:2:10");
}

// --- errors: one test per mistake, each with its position, code, message and hint ---

TEST(knowledge_test, unknown_relation_suggests_the_nearest_name) {
  auto e = error_with_code(R"(relation concern: area
rule r
  when
    concen area: eyes
  then
    emit advice x
)",
                           "knowledge.unknown_relation");
  EXPECT_EQ(where(e), "t.rules:4:5");
  EXPECT_EQ(e.message, "unknown relation 'concen'");
  EXPECT_EQ(e.hint, "did you mean 'concern'?");
  EXPECT_EQ(e.source_line, "    concen area: eyes");
}

TEST(knowledge_test, unknown_relation_without_a_near_name_says_how_to_declare_it) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: eyes
    weather season: summer
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "knowledge.unknown_relation");
  EXPECT_EQ(where(e), "t.rules:5:5");
  EXPECT_EQ(e.message, "unknown relation 'weather'");
  EXPECT_EQ(e.hint, "declare it first: `relation weather: slot1, slot2`");
}

TEST(knowledge_test, unknown_slot_suggests_the_nearest_slot) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern aera: eyes
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "knowledge.unknown_slot");
  EXPECT_EQ(where(e), "t.rules:4:13");
  EXPECT_EQ(e.message, "relation 'concern' has no slot 'aera'");
  EXPECT_EQ(e.hint, "did you mean 'area'?");
}

TEST(knowledge_test, unknown_slot_without_a_near_name_lists_the_slots) {
  auto e = only_error(R"(relation concern: area, severity
rule r
  when
    concern colour: red
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "knowledge.unknown_slot");
  EXPECT_EQ(where(e), "t.rules:4:13");
  EXPECT_EQ(e.hint, "its slots are: area, severity");
}

TEST(knowledge_test, unbound_variable_in_an_action) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: eyes
  then
    emit advice ?x
)");
  EXPECT_EQ(e.code, "knowledge.unbound_variable");
  EXPECT_EQ(where(e), "t.rules:6:17");
  EXPECT_EQ(e.message, "'?x' has no value in this output");
  EXPECT_EQ(e.hint, "a variable gets its value from a pattern above, like `concern area: ?x`");
}

TEST(knowledge_test, unbound_variable_in_a_test_suggests_a_bound_one) {
  auto e = only_error(R"(relation reading: level
rule r
  when
    reading level: ?level
    ?levl > 2
  then
    emit high yes
)");
  EXPECT_EQ(e.code, "knowledge.unbound_variable");
  EXPECT_EQ(where(e), "t.rules:5:5");
  EXPECT_EQ(e.message, "'?levl' has no value in this test");
  EXPECT_EQ(e.hint, "did you mean 'level'?");
}

TEST(knowledge_test, a_variable_only_inside_not_is_unbound) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    not concern area: ?z
    ?z = eyes
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "knowledge.unbound_variable");
  EXPECT_EQ(where(e), "t.rules:5:5");
  EXPECT_EQ(e.hint, "it only appears inside a `not` pattern, which binds nothing");
}

TEST(knowledge_test, a_fact_variable_is_not_a_value) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: ?a as ?c
    ?c = eyes
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "knowledge.unbound_variable");
  EXPECT_EQ(where(e), "t.rules:5:5");
  EXPECT_EQ(e.hint, "'?c' names a whole fact; use it with `remove` or `change`");
}

TEST(knowledge_test, missing_then) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: eyes
)");
  EXPECT_EQ(e.code, "syntax.missing_then");
  EXPECT_EQ(where(e), "t.rules:2:1");
  EXPECT_EQ(e.message, "rule 'r' has no `then` section");
  EXPECT_EQ(e.hint, "add a line `then` followed by what the rule does");
}

TEST(knowledge_test, empty_then) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: eyes
  then
)");
  EXPECT_EQ(e.code, "syntax.empty_then");
  EXPECT_EQ(where(e), "t.rules:2:1");
  EXPECT_EQ(e.message, "rule 'r' does nothing after `then`");
}

TEST(knowledge_test, duplicate_rule_points_at_the_first_one) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: eyes
  then
    emit advice x
rule r
  when
    concern area: lips
  then
    emit advice y
)");
  EXPECT_EQ(e.code, "knowledge.duplicate_rule");
  EXPECT_EQ(where(e), "t.rules:7:6");
  EXPECT_EQ(e.message, "there is already a rule named 'r'");
  EXPECT_EQ(e.hint, "the other one is at t.rules:2; give each rule its own name");
}

TEST(knowledge_test, duplicate_relation_points_at_the_first_declaration) {
  auto e = only_error(R"(relation concern: area
relation concern: area, severity
rule r
  when
    concern area: eyes
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "knowledge.duplicate_relation");
  EXPECT_EQ(where(e), "t.rules:2:10");
  EXPECT_EQ(e.message, "relation 'concern' is declared twice");
  EXPECT_EQ(e.hint, "the first declaration is at t.rules:1");
}

TEST(knowledge_test, redeclaring_the_builtin_output_relation) {
  auto e = only_error("relation output: name, value\n");
  EXPECT_EQ(e.code, "knowledge.duplicate_relation");
  EXPECT_EQ(where(e), "t.rules:1:10");
  EXPECT_EQ(e.message, "relation 'output' is declared twice");
}

TEST(knowledge_test, duplicate_slot) {
  auto e = only_error("relation concern: area, area\n");
  EXPECT_EQ(e.code, "knowledge.duplicate_slot");
  EXPECT_EQ(where(e), "t.rules:1:25");
  EXPECT_EQ(e.message, "slot 'area' appears twice in relation 'concern'");
}

TEST(knowledge_test, a_keyword_cannot_name_a_relation) {
  auto e = only_error("relation not: area\n");
  EXPECT_EQ(e.code, "knowledge.reserved_name");
  EXPECT_EQ(where(e), "t.rules:1:10");
  EXPECT_EQ(e.message, "'not' is a keyword and can't name a relation");
}

TEST(knowledge_test, salience_must_be_a_whole_number_in_range) {
  const char* rule = R"(relation concern: area
rule r
  priority %
  when
    concern area: eyes
  then
    emit advice x
)";
  for (std::string bad : {"1.5", "2000000", "-2000000", "99999999999999999999"}) {
    std::string text = rule;
    text.replace(text.find('%'), 1, bad);
    SCOPED_TRACE(bad);
    auto e = only_error(text);
    EXPECT_EQ(e.code, "knowledge.bad_salience");
    EXPECT_EQ(where(e), "t.rules:3:12");
    EXPECT_EQ(e.message, "salience must be a whole number between -1000000 and 1000000");
  }
}

TEST(knowledge_test, salience_must_be_a_number) {
  auto e = only_error(R"(relation concern: area
rule r
  priority high
  when
    concern area: eyes
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "syntax.expected_number");
  EXPECT_EQ(where(e), "t.rules:3:12");
  EXPECT_EQ(e.message, "`priority` takes a number, like `priority 10`");
}

TEST(knowledge_test, salience_goes_before_when) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: eyes
  then
    emit advice x
  salience 3
)");
  EXPECT_EQ(e.code, "syntax.misplaced_salience");
  EXPECT_EQ(where(e), "t.rules:7:3");
  EXPECT_EQ(e.message, "`salience` goes right after the rule's name, before `when`");
}

TEST(knowledge_test, unterminated_string) {
  auto e = only_error(R"(relation concern: area
fact concern area: "eyes
rule r
  when
    concern area: ?a
  then
    emit advice ?a
)");
  EXPECT_EQ(e.code, "syntax.expected_value");
  EXPECT_EQ(where(e), "t.rules:2:20") << "at the opening quote";
  EXPECT_EQ(e.message,
            "expected a value (a word, a number, a quoted text or a ?variable), found a quoted text with no "
            "closing quote");
}

TEST(knowledge_test, stray_character) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: eyes $
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "syntax.unexpected");
  EXPECT_EQ(where(e), "t.rules:4:24");
  EXPECT_EQ(e.message, "unexpected '$' (a character the language doesn't use) in a pattern");
  EXPECT_EQ(e.hint, "a pattern is a relation name followed by `slot: value` pairs");
}

TEST(knowledge_test, invalid_utf8_points_at_the_first_bad_byte) {
  auto e = error_with_code("relation concern: area\n"
                           "rule r\n"
                           "  when\n"
                           "    concern area: ey\xff"
                           "es\n"
                           "  then\n"
                           "    emit advice x\n",
                           "knowledge.invalid_utf8");
  EXPECT_EQ(where(e), "t.rules:4:21");
  EXPECT_EQ(e.message, "this file is not valid UTF-8 text");
  EXPECT_EQ(e.hint, "save the file as UTF-8 in your editor");
}

TEST(knowledge_test, valid_utf8_words_are_fine) {
  session s(compile("relation zone: nom\nrule r\n  when\n    zone nom: paupière\n  then\n    emit zone œil\n"));
  s.assert_fact("zone", {{"nom", sym("paupière")}});
  run(s);
  EXPECT_EQ(outputs_of(s, "zone"), std::vector<std::string>{"œil"});
}

TEST(knowledge_test, remove_needs_a_fact_variable) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: ?a
  then
    remove ?a
)");
  EXPECT_EQ(e.code, "knowledge.unknown_fact_variable");
  EXPECT_EQ(where(e), "t.rules:6:12");
  EXPECT_EQ(e.message, "'?a' does not name a matched fact");
  EXPECT_EQ(e.hint, "name the fact in a condition with `as ?a`");
}

TEST(knowledge_test, remove_of_a_value_is_a_syntax_error) {
  auto e = error_with_code(R"(relation concern: area
rule r
  when
    concern area: ?a
  then
    remove eyes
)",
                           "syntax.expected_variable");
  EXPECT_EQ(where(e), "t.rules:6:12");
  EXPECT_EQ(e.message, "`remove` needs the ?variable of a matched fact");
  EXPECT_EQ(e.hint, "name the fact in the condition with `as ?f`, then write `remove ?f`");
}

TEST(knowledge_test, change_needs_a_slot_to_change) {
  auto e = error_with_code(R"(relation concern: area
rule r
  when
    concern area: ?a as ?c
  then
    change ?c
)",
                           "syntax.expected_slot");
  EXPECT_EQ(where(e), "t.rules:6:14");
  EXPECT_EQ(e.message, "`change` needs at least one `slot: value` to change");
}

TEST(knowledge_test, a_fact_holds_no_variables) {
  auto e = only_error(R"(relation concern: area
fact concern area: ?a
rule r
  when
    concern area: ?a
  then
    emit advice ?a
)");
  EXPECT_EQ(e.code, "knowledge.variable_in_fact");
  EXPECT_EQ(where(e), "t.rules:2:20");
  EXPECT_EQ(e.message, "a fact holds values, not variables like '?a'");
}

TEST(knowledge_test, a_not_pattern_cannot_be_named) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    not concern area: eyes as ?c
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "knowledge.negated_fact_var");
  EXPECT_EQ(where(e), "t.rules:4:31");
  EXPECT_EQ(e.message, "a `not` pattern matches no fact, so it can't be named with `as`");
}

TEST(knowledge_test, a_name_used_twice) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: ?a as ?a
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "knowledge.duplicate_variable");
  EXPECT_EQ(where(e), "t.rules:4:25");
  EXPECT_EQ(e.message, "'?a' already names something else in this rule");
}

TEST(knowledge_test, expected_when) {
  auto e = only_error(R"(relation concern: area
rule r
  concern area: ?a
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "syntax.expected_when");
  EXPECT_EQ(where(e), "t.rules:3:3");
  EXPECT_EQ(e.message, "expected `when` before the rule's conditions, found 'concern'");
  EXPECT_EQ(e.hint, "a rule reads: rule NAME / when / conditions / then / actions");
}

TEST(knowledge_test, expected_colon_after_a_slot_name) {
  auto e = error_with_code(R"(relation concern: area
rule r
  when
    concern area ?a
  then
    emit advice x
)",
                           "syntax.expected_colon");
  EXPECT_EQ(where(e), "t.rules:4:13");
  EXPECT_EQ(e.message, "expected ':' after the slot name 'area'");
  EXPECT_EQ(e.hint, "slots are written `name: value`");
}

TEST(knowledge_test, unknown_action) {
  auto e = error_with_code(R"(relation concern: area
rule r
  when
    concern area: ?a
  then
    shout ?a
)",
                           "syntax.unknown_action");
  EXPECT_EQ(where(e), "t.rules:6:5");
  EXPECT_EQ(e.message, "unknown action 'shout'");
  EXPECT_EQ(e.hint, "actions are `add`, `remember`, `remove`, `change` and `emit`");
}

TEST(knowledge_test, a_set_needs_parentheses) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: ?a
    ?a in eyes
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "syntax.expected_set");
  EXPECT_EQ(where(e), "t.rules:5:11");
  EXPECT_EQ(e.message, "expected '(' to open the set of values");
  EXPECT_EQ(e.hint, "write `?area in (eyes, eyelids)`");
}

TEST(knowledge_test, a_set_lists_values_not_variables) {
  auto e = only_error(R"(relation concern: area, other
rule r
  when
    concern area: ?a other: ?b
    ?a in (eyes, ?b)
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "knowledge.variable_in_set");
  EXPECT_EQ(where(e), "t.rules:5:18");
  EXPECT_EQ(e.message, "a set lists values, not variables");
}

TEST(knowledge_test, not_in_needs_in) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: ?a
    ?a not eyes
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "syntax.expected_in");
  EXPECT_EQ(where(e), "t.rules:5:12");
  EXPECT_EQ(e.hint, "write `?area not in (eyes, eyelids)`");
}

TEST(knowledge_test, a_test_needs_an_operator) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: ?a
    ?a eyes
  then
    emit advice x
)");
  EXPECT_EQ(e.code, "syntax.expected_operator");
  EXPECT_EQ(where(e), "t.rules:5:8");
  EXPECT_EQ(e.message, "expected a comparison (=, !=, <, >, <=, >=, in, not in) after the variable, found 'eyes'");
}

TEST(knowledge_test, outputs_are_emitted_not_added) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: ?a
  then
    add output name: advice value: ?a
)");
  EXPECT_EQ(e.code, "knowledge.output_fact");
  EXPECT_EQ(where(e), "t.rules:6:9");
  EXPECT_EQ(e.message, "outputs are made with `emit NAME VALUE`");
}

TEST(knowledge_test, an_output_name_is_a_plain_word) {
  auto e = only_error(R"(relation concern: area
rule r
  when
    concern area: ?a
  then
    emit ?a x
)");
  EXPECT_EQ(e.code, "knowledge.bad_output_name");
  EXPECT_EQ(where(e), "t.rules:6:10");
  EXPECT_EQ(e.message, "an output's name is a plain word, like `emit topic water`");
}

TEST(knowledge_test, when_and_then_appear_once) {
  auto errors = errors_of(R"(relation concern: area
rule r
  when
  when
    concern area: ?a
  then
    emit advice ?a
  then
    emit advice y
)");
  EXPECT_EQ(codes(errors), (std::vector<std::string>{"syntax.misplaced_when", "syntax.misplaced_then"}));
  EXPECT_EQ(where(errors.at(0)), "test.rules:4:3");
  EXPECT_EQ(where(errors.at(1)), "test.rules:8:3");
}

TEST(knowledge_test, a_block_starts_with_its_keyword) {
  auto e = only_error("relation concern: area\n  \tfoo bar\n");
  EXPECT_EQ(e.code, "syntax.expected_block");
  EXPECT_EQ(where(e), "t.rules:2:4");
  EXPECT_EQ(e.hint, "every block starts at the beginning of a line with its keyword");
}

// --- every error, not just the first ---

TEST(knowledge_test, reports_every_error_of_a_file_in_order) {
  auto errors = errors_of(R"(relation plant: name, soil
relation plant: name
fact plant nmae: fern
rule one
  when
    plnt name: fern
  then
    emit water yes
rule two
  priority high
  when
    plant name: ?p
  then
    emit water ?q
rule one
  when
    plant soil: $
  then
    emit water no
)",
                          "garden.rules");
  std::vector<std::string> got;
  for (const auto& e : errors) got.push_back(where(e) + " " + e.code);
  EXPECT_EQ(got, (std::vector<std::string>{
                     "garden.rules:2:10 knowledge.duplicate_relation",
                     "garden.rules:3:12 knowledge.unknown_slot",
                     "garden.rules:6:5 knowledge.unknown_relation",
                     "garden.rules:10:12 syntax.expected_number",
                     "garden.rules:14:16 knowledge.unbound_variable",
                     "garden.rules:15:6 knowledge.duplicate_rule",
                     "garden.rules:17:17 syntax.expected_value",
                 }));
}

TEST(knowledge_test, reports_the_errors_of_every_file_with_its_name) {
  auto base = compile_knowledge({
      {"a.rules", "relation plant: name\nrule greet\n  when\n    plnt name: ?p\n  then\n    emit hello x\n"},
      {"b.rules", "relation pest: name\nrule spray\n  when\n    pest nme: ?p\n  then\n    emit spray x\n"},
  });
  ASSERT_FALSE(base);
  std::vector<std::string> got;
  for (const auto& e : base.errors())
    if (e.level == severity::error) got.push_back(where(e) + " " + e.code);
  EXPECT_EQ(got, (std::vector<std::string>{"a.rules:4:5 knowledge.unknown_relation",
                                           "b.rules:4:10 knowledge.unknown_slot"}));
}

TEST(knowledge_test, to_string_shows_the_line_and_a_caret_under_the_column) {
  auto base = compile_knowledge("t.rules", R"(relation concern: area
rule r
  when
    concern aera: eyes
  then
    emit advice x
)");
  ASSERT_FALSE(base);
  EXPECT_EQ(to_string(base.errors()),
            "t.rules:4:13: error: relation 'concern' has no slot 'aera' [knowledge.unknown_slot]\n"
            "      concern aera: eyes\n"
            "              ^\n"
            "  hint: did you mean 'area'?\n"
            "1 error, 0 warnings\n");
}

TEST(knowledge_test, compiles_on_several_threads_at_once) {
  // The compiler keeps no global state: compiling in parallel gives the same rule bases.
  const std::string text = R"(relation plant: name, soil
rule water
  when
    plant name: ?p soil: dry
  then
    emit water ?p
rule broken
  when
    plnt name: ?p
  then
    emit water ?p
)";
  const std::string expected = to_string(compile_knowledge("t.rules", text).errors());
  std::vector<std::string> got(8);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < got.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) got[t] = to_string(compile_knowledge("t.rules", text).errors());
    });
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, expected);
}

// Regressions: each was a parser bug found by these tests.

// A set left open (`?a in (eyes,`) swallows every line after it, whole rules included, so the
// errors in those rules are never reported.
TEST(knowledge_test, an_unclosed_set_does_not_hide_the_next_rule) {
  auto errors = errors_of(R"(relation concern: area
rule one
  when
    concern area: ?a
    ?a in (eyes,
  then
    emit advice ?a
rule two
  when
    concen area: ?a
  then
    emit advice ?a
)");
  std::vector<std::string> got;
  for (const auto& e : errors) got.push_back(where(e) + " " + e.code);
  EXPECT_NE(std::find(got.begin(), got.end(), "test.rules:10:5 knowledge.unknown_relation"), got.end());
}

// A mistake in an action costs two errors: the action's own, and "rule 'r' does nothing after
// `then`", which is not true of what was written.
TEST(knowledge_test, one_bad_action_is_one_error) {
  auto errors = errors_of(R"(relation concern: area
rule r
  when
    concern area: ?a
  then
    shout ?a
)");
  EXPECT_EQ(codes(errors), std::vector<std::string>{"syntax.unknown_action"});
}

// An error at the end of a line that ends in a quoted text with an escape lands one column early,
// on the closing quote: the parser measures the text without its backslashes.
TEST(knowledge_test, the_end_of_a_line_after_an_escaped_quote) {
  auto e = error_with_code(R"(relation zone: name
rule r
  when
    zone name: ?n
  then
    emit "x\"y"
)",
                           "syntax.expected_value");
  EXPECT_EQ(where(e), "t.rules:6:16");
}

// A second `priority` line silently replaces the first; it should be an error like a second `when`.
TEST(knowledge_test, priority_given_twice_is_an_error) {
  EXPECT_FALSE(compile_knowledge("t.rules", R"(relation zone: name
rule r
  priority 5
  priority 6
  when
    zone name: ?n
  then
    emit zone ?n
)"));
}

// --- fuzz: nothing crashes ---

// Knowledge that exercises most of the language, for the mutations to start from.
constexpr const char* fuzz_seed = R"(# seed
relation plant: name, kind, soil
relation weather: season
relation needs: name, what
relation warning: name
relation reading: v
fact weather season: summer
rule thirsty
  priority 5
  when
    plant name: ?p kind: succulent soil: dry as ?f
    weather season: summer
    not warning name: ?p
  then
    add needs name: ?p what: water
    emit advice "water weekly"
rule wet
  when
    plant name: ?p soil: wet as ?f
    reading v: ?v
    ?v >= 2
    ?p not in (cactus, aloe)
  then
    remember warning name: ?p
    change ?f soil: dry
rule gone
  salience -1
  when
    needs name: ?p what: ?w as ?n
    ?w != nothing
  then
    remove ?n
    emit done ?p
rule idle
  when
    not plant name: fern
  then
    emit idle yes
)";

// Compiling must never crash; every diagnostic must be well formed; and what compiles must run.
// Counts the inputs that compiled in `compiled`, to show the sessions were exercised too.
void check_input(const std::string& text, std::mt19937& rng, int& compiled) {
  auto base = compile_knowledge("fuzz.rules", text);
  if (!base) {
    ASSERT_FALSE(base.errors().empty());
    for (const auto& d : base.errors()) {
      ASSERT_FALSE(d.code.empty());
      ASSERT_FALSE(d.message.empty());
      ASSERT_EQ(d.file, "fuzz.rules");
      ASSERT_GE(d.line, 1) << d.to_string();
      ASSERT_GE(d.column, 1) << d.to_string();
      d.to_string();
    }
    to_string(base.errors());
    return;
  }
  ++compiled;
  session s(*base);
  const auto relations = (*base)->relation_names();
  const value values[] = {sym("fern"), sym("succulent"), sym("dry"), sym("wet"), sym("summer"), value(1),
                          value(3), value::string("x"), sym("water")};
  std::vector<fact_id> asserted;
  for (int i = 0; i < 20; ++i) {
    const auto& rel = relations[rng() % relations.size()];
    slot_values slots;
    for (const auto& f : s.facts(rel)) slots = f.slots;  // a fact of the relation, to vary
    if (slots.empty()) {
      auto blank = s.assert_fact(rel, {});  // all nil: tells the slots' names
      if (!blank) continue;
      asserted.push_back(*blank);
      slots = s.fact(*blank)->slots;
      if (slots.empty()) continue;
    }
    slots[rng() % slots.size()].second = values[rng() % std::size(values)];
    if (auto id = s.assert_fact(rel, slots)) asserted.push_back(*id);
    if (!asserted.empty() && rng() % 4 == 0) s.retract(asserted[rng() % asserted.size()]);
    (void)s.run(200);
  }
  for (const auto& o : s.outputs()) (void)s.why(o.id);
  s.reset();
  (void)s.run(200);
}

// Byte-level edits: mostly broken knowledge, for the parser's error paths.
std::string mutate_bytes(std::string text, std::mt19937& rng) {
  static const char* pieces[] = {"rule", "when", "then", "not", "as", "?", "?x", "(", ")", ",", ":", "\"", "\n",
                                 "in", "remove ?f", "change ?f", "emit", "add", "priority", "1e999", "-0",
                                 "\xff", "\xc3", "\t", "#", "relation", "fact", " ", "output", "!="};
  int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    std::size_t at = rng() % text.size();
    switch (rng() % 5) {
      case 0: text[at] = static_cast<char>(rng() % 256); break;
      case 1: text.erase(at, 1 + rng() % 20); break;
      case 2: text.insert(at, pieces[rng() % std::size(pieces)]); break;
      case 3: {
        std::size_t from = rng() % text.size();
        text.insert(at, text.substr(from, 1 + rng() % 60));
        break;
      }
      default: text.insert(at, std::string(1, static_cast<char>(rng() % 128))); break;
    }
  }
  return text;
}

// Line-level edits that often keep the knowledge valid, so sessions run on odd rule bases:
// lines dropped, repeated or swapped, values and operators replaced.
std::string mutate_lines(const std::string& text, std::mt19937& rng) {
  static const char* words[] = {"dry", "wet", "fern", "summer", "water", "?p", "?v", "?w", "1", "2", "-3"};
  static const char* operators[] = {"=", "!=", "<", ">", "<=", ">="};
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits && lines.size() > 1; ++e) {
    std::size_t i = rng() % lines.size();
    switch (rng() % 5) {
      case 0: lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i)); break;
      case 1: lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(i), lines[rng() % lines.size()]); break;
      case 2: std::swap(lines[i], lines[(i + 1) % lines.size()]); break;
      case 3: {
        std::string& line = lines[i];
        std::size_t colon = line.rfind(": ");
        if (colon != std::string::npos) {
          std::size_t stop = line.find(' ', colon + 2);
          line.replace(colon + 2, stop == std::string::npos ? std::string::npos : stop - colon - 2,
                       words[rng() % std::size(words)]);
        }
        break;
      }
      default: {
        std::string& line = lines[i];
        for (const char* op : operators) {
          std::size_t at = line.find(std::string(" ") + op + " ");
          if (at != std::string::npos) {
            line.replace(at + 1, std::string(op).size(), operators[rng() % std::size(operators)]);
            break;
          }
        }
        break;
      }
    }
  }
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

TEST(knowledge_test, random_bytes_never_crash) {
  std::mt19937 rng(20240601);
  int compiled = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string text(rng() % 400, '\0');
    for (auto& c : text) c = static_cast<char>(rng() % 256);
    check_input(text, rng, compiled);
    if (HasFatalFailure()) return;
  }
}

TEST(knowledge_test, random_tokens_never_crash) {
  static const char* words[] = {"relation", "fact", "rule", "when", "if", "then", "not", "as", "in", "priority",
                                "salience", "add", "remember", "remove", "change", "emit", "plant", "name:",
                                "soil:", "?p", "?f", "?", "(", ")", ",", ":", "=", "!=", "<", ">=", "\"s\"",
                                "2", "-1.5", "\n", "\n  ", "\n    ", "#c\n", "output", "x", "$"};
  std::mt19937 rng(7);
  int compiled = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string text = "relation plant: name, soil\n";
    for (std::size_t n = rng() % 80; n > 0; --n) text += std::string(words[rng() % std::size(words)]) + " ";
    check_input(text, rng, compiled);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(compiled, 0);
}

TEST(knowledge_test, mutated_knowledge_never_crashes) {
  std::mt19937 rng(12345);
  int compiled = 0;
  check_input(fuzz_seed, rng, compiled);
  ASSERT_EQ(compiled, 1) << "the seed itself must compile";
  for (int i = 0; i < 2500; ++i) {
    check_input(i % 2 ? mutate_bytes(fuzz_seed, rng) : mutate_lines(fuzz_seed, rng), rng, compiled);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(compiled, 250) << "enough mutants compile for the sessions to be exercised";
}

}  // namespace
}  // namespace advisor::engine
