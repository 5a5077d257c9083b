#pragma once
// What the parser reads from knowledge text, positions kept for every diagnostic.

#include <optional>
#include <string>
#include <vector>

#include "match/network.hpp"

namespace advisor::engine::detail {

struct ast_value {
  enum class kind { symbol, string, number, variable } type = kind::symbol;
  std::string text;
  double number = 0;
  source_pos pos;
};

struct ast_name {
  std::string text;
  source_pos pos;
};

struct ast_slot {
  ast_name name;
  ast_value value;
};

struct ast_pattern {
  bool negated = false;
  ast_name relation;
  std::vector<ast_slot> slots;
  std::optional<ast_value> fact_var;  // `as ?f`
};

struct ast_test {
  ast_value lhs;
  ast_name op;  // = != < > <= >= in "not in"
  std::vector<ast_value> rhs;  // one value, or the set for in / not in
};

struct ast_condition {
  std::optional<ast_pattern> pattern;  // else test
  ast_test test;
};

struct ast_action {
  ast_name verb;  // add remember remove change emit
  ast_pattern pattern;  // add / remember: relation and slots; change: slots
  std::optional<ast_value> target;  // remove / change: the fact variable
  std::vector<ast_value> args;      // emit: name value
};

struct ast_rule {
  ast_name name;
  std::optional<ast_value> salience;
  std::vector<ast_condition> conditions;
  std::vector<ast_action> actions;
  bool has_then = false;
};

struct ast_relation {
  ast_name name;
  std::vector<ast_name> slots;
};

// Free text after `key:` on a line, as written (trimmed).
struct ast_text {
  std::string text;
  source_pos pos;  // where the text starts
};

// concept NAME: terms  /  entity TYPE VALUE: terms  (an entity is a concept with a type)
struct ast_concept {
  ast_name name;
  std::string entity_type;  // empty for a plain concept
  std::vector<ast_text> terms;
};

struct ast_intent {
  ast_name name;
  std::optional<ast_text> ask;
  std::vector<ast_text> examples;
  std::vector<ast_text> cues;
  bool follow_up = false;
};

struct ast_answer {
  ast_name topic;
  std::vector<ast_text> texts;
  std::vector<ast_text> suggestions;
};

struct ast_setting {
  ast_name name;
  ast_text value;
};

struct ast_file {
  std::vector<ast_relation> relations;
  std::vector<ast_pattern> facts;
  std::vector<ast_rule> rules;
  std::vector<ast_concept> concepts;
  std::vector<ast_text> words;  // known words, one per entry
  std::vector<ast_intent> intents;
  std::vector<ast_answer> answers;
  std::vector<ast_setting> settings;
  std::vector<std::string> dictionary;  // a *.words file: ordinary words of the language
};

}  // namespace advisor::engine::detail
