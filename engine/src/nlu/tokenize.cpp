#include "nlu/tokenize.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <cstddef>
#include <limits>

namespace advisor::engine::detail {
namespace {

enum class char_class : std::uint8_t { letter, digit, mark, other };

struct decoded {
  std::int32_t cp = 0;
  std::size_t size = 1;  // bytes; an invalid byte counts as one `other` character
  char_class cls = char_class::other;
};

decoded decode_at(std::string_view text, std::size_t i) {
  decoded d;
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) {
    d.cp = c;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) d.cls = char_class::letter;
    if (c >= '0' && c <= '9') d.cls = char_class::digit;
    return d;
  }
  utf8proc_int32_t cp = 0;
  const utf8proc_ssize_t n =
      utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data()) + i,
                       static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
  if (n <= 0) return d;
  d.cp = cp;
  d.size = static_cast<std::size_t>(n);
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_NL:  // letter-like numerals (〇); NFKC already spelled out Ⅻ as "xii"
      d.cls = char_class::letter;
      break;
    case UTF8PROC_CATEGORY_ND:
      d.cls = char_class::digit;
      break;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      d.cls = char_class::mark;
      break;
    default:
      break;
  }
  return d;
}

bool is_punct(std::int32_t cp) {
  return cp == '.' || cp == ',' || cp == '!' || cp == '?' || cp == ';' || cp == ':';
}

bool is_word_char(char_class cls) { return cls != char_class::other; }

}  // namespace

std::vector<text_token> tokenize(std::string_view normalized) {
  // Offsets are 32-bit; normalize_text() output is far smaller, so this only guards misuse.
  const std::string_view text = normalized.substr(0, std::numeric_limits<std::uint32_t>::max());
  std::vector<text_token> tokens;
  // About one token per 5 bytes of English; saves the vector's regrowth on the hot path.
  tokens.reserve(text.size() / 5 + 1);
  auto emit = [&](std::size_t begin, std::size_t end, token_type type) {
    tokens.push_back(text_token{std::string(text.substr(begin, end - begin)),
                                static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end),
                                type});
  };

  std::size_t i = 0;
  while (i < text.size()) {
    const decoded first = decode_at(text, i);
    // A mark with no letter before it has nothing to modify: drop it like a symbol.
    if (first.cls != char_class::letter && first.cls != char_class::digit) {
      if (is_punct(first.cp)) emit(i, i + 1, token_type::punct);
      i += first.size;
      continue;
    }
    const std::size_t begin = i;
    bool has_letter = first.cls == char_class::letter;
    i += first.size;
    while (i < text.size()) {
      const decoded d = decode_at(text, i);
      if (is_word_char(d.cls)) {
        has_letter = has_letter || d.cls == char_class::letter;
        i += d.size;
        continue;
      }
      if (i + 1 >= text.size()) break;
      const decoded next = decode_at(text, i + 1);
      // "don't", "what's": an apostrophe between a word character and a letter is part of the word.
      if (d.cp == '\'' && next.cls == char_class::letter) {
        i += 1;
        continue;
      }
      // "2.5", "1,000": a separator between digits is part of a number, not punctuation.
      if ((d.cp == '.' || d.cp == ',') && !has_letter && next.cls == char_class::digit) {
        i += 1;
        continue;
      }
      break;
    }
    emit(begin, i, has_letter ? token_type::word : token_type::number);
  }
  return tokens;
}

}  // namespace advisor::engine::detail
