// Tests for advisor/engine/status.hpp: diagnostics and how they print, and result<T>.

#include "advisor/engine/status.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace advisor::engine {
namespace {

diagnostic unknown_slot() {
  diagnostic d;
  d.code = "knowledge.unknown_slot";
  d.message = "relation 'concern' has no slot 'aera'";
  d.hint = "did you mean 'area'?";
  d.file = "skin.rules";
  d.line = 4;
  d.column = 13;
  d.source_line = "    concern aera: eyes";
  return d;
}

TEST(status_test, diagnostic_shows_position_line_caret_and_hint) {
  EXPECT_EQ(unknown_slot().to_string(),
            "skin.rules:4:13: error: relation 'concern' has no slot 'aera' [knowledge.unknown_slot]\n"
            "      concern aera: eyes\n"
            "              ^\n"
            "  hint: did you mean 'area'?\n");
}

TEST(status_test, caret_under_the_first_column) {
  diagnostic d = unknown_slot();
  d.column = 1;
  d.source_line = "rule";
  d.hint.clear();
  EXPECT_EQ(d.to_string(),
            "skin.rules:4:1: error: relation 'concern' has no slot 'aera' [knowledge.unknown_slot]\n"
            "  rule\n"
            "  ^\n");
}

TEST(status_test, caret_keeps_tabs_so_it_lines_up_in_an_editor) {
  diagnostic d = unknown_slot();
  d.source_line = "\t\tconcern aera: eyes";
  d.column = 11;
  d.hint.clear();
  EXPECT_EQ(d.to_string(),
            "skin.rules:4:11: error: relation 'concern' has no slot 'aera' [knowledge.unknown_slot]\n"
            "  \t\tconcern aera: eyes\n"
            "  \t\t        ^\n");
}

TEST(status_test, caret_just_past_the_end_of_a_short_line) {
  diagnostic d = unknown_slot();
  d.source_line = "  emit t";
  d.column = 30;  // "expected a value ... found the end of the line"
  d.hint.clear();
  EXPECT_EQ(d.to_string(),
            "skin.rules:4:30: error: relation 'concern' has no slot 'aera' [knowledge.unknown_slot]\n"
            "    emit t\n"
            "          ^\n");
}

// Columns count bytes, as documented, but the caret must line up on screen: diagnostic.cpp pads
// one space per byte, so after a letter such as "è" (two bytes in UTF-8) the caret lands one
// place to the right.
TEST(status_test, caret_lines_up_after_accented_letters) {
  diagnostic d;
  d.code = "syntax.unexpected";
  d.message = "unexpected '$' (a character the language doesn't use) in a pattern";
  d.file = "t.rules";
  d.line = 4;
  d.column = 25;  // the byte column of '$'
  d.source_line = "    zone nom: paupière $";
  EXPECT_EQ(d.to_string(),
            "t.rules:4:25: error: unexpected '$' (a character the language doesn't use) in a pattern [syntax.unexpected]\n"
            "      zone nom: paupière $\n"
            "                         ^\n");
}

TEST(status_test, warning_is_labelled_as_such) {
  diagnostic d;
  d.level = severity::warning;
  d.code = "knowledge.unused_relation";
  d.message = "relation 'pot' is declared but no rule uses it";
  d.file = "plants.rules";
  d.line = 2;
  d.column = 10;
  EXPECT_EQ(d.to_string(),
            "plants.rules:2:10: warning: relation 'pot' is declared but no rule uses it [knowledge.unused_relation]\n");
}

TEST(status_test, run_time_error_has_no_position) {
  diagnostic d;
  d.code = "engine.no_such_fact";
  d.message = "fact 7 is not in working memory";
  EXPECT_EQ(d.to_string(), "error: fact 7 is not in working memory [engine.no_such_fact]\n");
}

TEST(status_test, file_without_a_line) {
  diagnostic d;
  d.code = "loader.empty";
  d.message = "no .rules files in the knowledge folder";
  d.file = "/srv/knowledge";
  EXPECT_EQ(d.to_string(), "/srv/knowledge: error: no .rules files in the knowledge folder [loader.empty]\n");
}

TEST(status_test, no_code_no_brackets) {
  diagnostic d;
  d.message = "something odd";
  d.hint = "look again";
  EXPECT_EQ(d.to_string(), "error: something odd\n  hint: look again\n");
}

TEST(status_test, list_ends_with_the_counts) {
  diagnostic warning = unknown_slot();
  warning.level = severity::warning;
  warning.source_line.clear();
  warning.hint.clear();
  diagnostic error = warning;
  error.level = severity::error;

  EXPECT_EQ(to_string({}), "0 errors, 0 warnings\n");
  EXPECT_EQ(to_string({error}),
            "skin.rules:4:13: error: relation 'concern' has no slot 'aera' [knowledge.unknown_slot]\n"
            "1 error, 0 warnings\n");
  EXPECT_EQ(to_string({warning}),
            "skin.rules:4:13: warning: relation 'concern' has no slot 'aera' [knowledge.unknown_slot]\n"
            "0 errors, 1 warning\n");
  std::string many = to_string({error, warning, error, warning, warning});
  EXPECT_EQ(many.substr(many.rfind('\n', many.size() - 2) + 1), "2 errors, 3 warnings\n");
}

TEST(status_test, has_errors_ignores_warnings) {
  diagnostic warning;
  warning.level = severity::warning;
  diagnostic error;
  EXPECT_FALSE(has_errors({}));
  EXPECT_FALSE(has_errors({warning, warning}));
  EXPECT_TRUE(has_errors({warning, error}));
}

TEST(status_test, result_holds_a_value) {
  result<std::string> r = std::string("fern");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(*r, "fern");
  EXPECT_EQ(r->size(), 4u);
  EXPECT_EQ(r.value(), "fern");
  EXPECT_TRUE(r.errors().empty());
  r.value() += "s";
  EXPECT_EQ(*r, "ferns");
}

TEST(status_test, result_holds_every_error) {
  result<int> one = unknown_slot();
  ASSERT_FALSE(one);
  EXPECT_FALSE(one.ok());
  ASSERT_EQ(one.errors().size(), 1u);
  EXPECT_EQ(one.errors()[0].code, "knowledge.unknown_slot");

  result<int> two = std::vector<diagnostic>{unknown_slot(), unknown_slot()};
  ASSERT_FALSE(two);
  EXPECT_EQ(two.errors().size(), 2u);
}

TEST(status_test, result_moves_its_value_out) {
  result<std::unique_ptr<int>> r = std::make_unique<int>(42);
  ASSERT_TRUE(r);
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 42);
}

}  // namespace
}  // namespace advisor::engine
