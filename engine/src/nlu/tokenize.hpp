#pragma once
// Second step of question understanding: normalized text -> words, numbers and punctuation, with
// byte offsets back into that text so later steps can point at what they matched.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace advisor::engine::detail {

enum class token_type : std::uint8_t {
  word,    // letters, or letters mixed with digits ("omega3"); inner apostrophes kept ("don't")
  number,  // digits only, with inner '.' or ',' between digits ("3", "2.5", "1,000")
  punct,   // one of . , ! ? ; :  (one token per character)
};

struct text_token {
  std::string text;
  // Byte offsets into the tokenized text: text == input.substr(begin, end - begin).
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  token_type type = token_type::word;
};

// Splits the output of normalize_text() into tokens. Everything that is neither a word character
// (letter, combining mark, decimal digit) nor one of the six punctuation marks separates tokens
// and is dropped: spaces, hyphens ("omega-3" -> "omega", "3"), quotes, brackets, slashes, symbols
// and emoji. So markup yields only its harmless words: "<b>hi</b>" -> "b", "hi", "b".
//
// Errors: none; invalid UTF-8 bytes separate tokens. Text past 4 GiB is ignored (offsets are
// 32-bit). Complexity: linear in normalized.size().
std::vector<text_token> tokenize(std::string_view normalized);

}  // namespace advisor::engine::detail
