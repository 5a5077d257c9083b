#pragma once
// Splits knowledge text into tokens with their line and column. Never fails: a byte it cannot
// read becomes an `invalid` token that the parser reports, so one bad character costs one error.

#include <string>
#include <string_view>
#include <vector>

namespace advisor::engine::detail {

enum class token_kind { word, number, variable, string, colon, comma, lparen, rparen, op, invalid, end };

struct token {
  token_kind kind = token_kind::end;
  std::string text;  // word/variable name (without ?), string contents, operator, or the bad bytes
  double number = 0;
  int line = 0;
  int column = 0;
  int length = 0;            // bytes it spans in the source (a string's quotes and escapes included)
  bool starts_line = false;  // first token on its line
};

// Tokens of the whole text, ending with one `end` token. Comments (# to end of line) are dropped.
std::vector<token> lex(std::string_view text);

// The text of one line (1-based), without its newline; empty when out of range.
std::string_view line_of(std::string_view text, int line);

const char* describe(token_kind kind);

}  // namespace advisor::engine::detail
