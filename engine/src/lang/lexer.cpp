#include "lang/lexer.hpp"

#include <cstdlib>
#include <string>

namespace advisor::engine::detail {
namespace {

bool is_word_byte(unsigned char c) {
  // Non-ASCII bytes are taken as letters so accented words work; UTF-8 validity is checked
  // separately by the compiler.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '\'' || c == '/' || c == '+' || c == '&' || c == '~' || c >= 0x80;
}

bool parse_number(const std::string& text, double& out) {
  if (text.empty()) return false;
  std::size_t i = 0;
  if (text[i] == '-' || text[i] == '+') ++i;
  bool digits = false, dot = false;
  for (; i < text.size(); ++i) {
    if (text[i] >= '0' && text[i] <= '9') {
      digits = true;
    } else if (text[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  if (!digits) return false;
  out = std::strtod(text.c_str(), nullptr);
  return true;
}

}  // namespace

std::vector<token> lex(std::string_view text) {
  std::vector<token> tokens;
  int line = 1;
  std::size_t line_start = 0;
  bool at_line_start = true;
  std::size_t i = 0;
  auto push = [&](token_kind kind, std::string t, std::size_t begin, std::size_t end) {
    token tok;
    tok.length = static_cast<int>(end - begin);
    tok.kind = kind;
    tok.text = std::move(t);
    tok.line = line;
    tok.column = static_cast<int>(begin - line_start) + 1;
    tok.starts_line = at_line_start;
    at_line_start = false;
    tokens.push_back(std::move(tok));
  };
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      line_start = ++i;
      at_line_start = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    std::size_t begin = i;
    switch (c) {
      case ':': push(token_kind::colon, ":", begin, begin + 1); ++i; continue;
      case ',': push(token_kind::comma, ",", begin, begin + 1); ++i; continue;
      case '(': push(token_kind::lparen, "(", begin, begin + 1); ++i; continue;
      case ')': push(token_kind::rparen, ")", begin, begin + 1); ++i; continue;
      default: break;
    }
    if (c == '=' || c == '<' || c == '>' || c == '!') {
      ++i;
      if (i < text.size() && text[i] == '=') ++i;
      std::string op(text.substr(begin, i - begin));
      if (op == "!") {
        push(token_kind::invalid, op, begin, i);
      } else {
        push(token_kind::op, op == "==" ? "=" : op, begin, i);
      }
      continue;
    }
    if (c == '"') {
      std::string contents;
      ++i;
      bool closed = false;
      while (i < text.size() && text[i] != '\n') {
        if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
          char e = text[i + 1];
          contents += e == 'n' ? '\n' : e == 't' ? '\t' : e;
          i += 2;
          continue;
        }
        if (text[i] == '"') {
          closed = true;
          ++i;
          break;
        }
        contents += text[i++];
      }
      if (closed) {
        push(token_kind::string, std::move(contents), begin, i);
      } else {
        push(token_kind::invalid, "\"", begin, begin + 1);  // unterminated string
      }
      continue;
    }
    if (c == '?') {
      ++i;
      while (i < text.size() && is_word_byte(static_cast<unsigned char>(text[i]))) ++i;
      push(token_kind::variable, std::string(text.substr(begin + 1, i - begin - 1)), begin, i);
      continue;
    }
    if (is_word_byte(c)) {
      while (i < text.size() && is_word_byte(static_cast<unsigned char>(text[i]))) ++i;
      std::string word(text.substr(begin, i - begin));
      double n = 0;
      if (parse_number(word, n)) {
        push(token_kind::number, std::move(word), begin, i);
        tokens.back().number = n;
      } else {
        push(token_kind::word, std::move(word), begin, i);
      }
      continue;
    }
    ++i;
    push(token_kind::invalid, std::string(1, static_cast<char>(c)), begin, i);
  }
  token end;
  end.kind = token_kind::end;
  end.line = line;
  end.column = static_cast<int>(i - line_start) + 1;
  end.starts_line = true;
  tokens.push_back(end);
  return tokens;
}

std::string_view line_of(std::string_view text, int line) {
  if (line < 1) return {};
  std::size_t start = 0;
  for (int l = 1; l < line; ++l) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return {};
    ++start;
  }
  std::size_t end = text.find('\n', start);
  auto result = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  if (!result.empty() && result.back() == '\r') result.remove_suffix(1);
  return result;
}

const char* describe(token_kind kind) {
  switch (kind) {
    case token_kind::word: return "a word";
    case token_kind::number: return "a number";
    case token_kind::variable: return "a variable";
    case token_kind::string: return "a quoted text";
    case token_kind::colon: return "':'";
    case token_kind::comma: return "','";
    case token_kind::lparen: return "'('";
    case token_kind::rparen: return "')'";
    case token_kind::op: return "an operator";
    case token_kind::invalid: return "an unreadable character";
    case token_kind::end: return "the end of the file";
  }
  return "a token";
}

}  // namespace advisor::engine::detail
