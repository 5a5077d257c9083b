#include "nlu/normalize.hpp"

#include <utf8proc.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <utility>

namespace advisor::engine::detail {
namespace {

const utf8proc_uint8_t* bytes_of(std::string_view text) {
  return reinterpret_cast<const utf8proc_uint8_t*>(text.data());
}

bool is_control(std::int32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// ASCII spelling of typographic punctuation, or empty when `cp` keeps its own spelling. Users
// paste text from phones and word processors; rules and vocabulary are written in plain ASCII.
std::string_view ascii_for(std::int32_t cp) {
  switch (cp) {
    case 0x0060:  // ` grave accent, typed for an apostrophe
    case 0x00B4:  // ´ acute accent: mapped before NFKC, which would turn it into space + mark
    case 0x2018:  // ‘
    case 0x2019:  // ’
    case 0x201A:  // ‚
    case 0x201B:  // ‛
    case 0x2032:  // ′
      return "'";
    case 0x201C:  // “
    case 0x201D:  // ”
    case 0x201E:  // „
    case 0x201F:  // ‟
      return "\"";
    case 0x2010:  // ‐
    case 0x2011:  // ‑ non-breaking hyphen
    case 0x2012:  // ‒
    case 0x2013:  // –
    case 0x2014:  // —
    case 0x2015:  // ―
    case 0x2212:  // − minus sign
      return "-";
    case 0x2026:  // …
      return "...";
    default:
      return {};
  }
}

// Decodes one code point at text[i]; returns its length, or 0 for an invalid sequence.
std::size_t decode(std::string_view text, std::size_t i, std::int32_t& cp) {
  utf8proc_int32_t value = 0;
  const utf8proc_ssize_t n =
      utf8proc_iterate(bytes_of(text) + i, static_cast<utf8proc_ssize_t>(text.size() - i), &value);
  if (n <= 0) return 0;
  cp = value;
  return static_cast<std::size_t>(n);
}

// Pass 1: only valid UTF-8 may reach utf8proc_map (it rejects the whole string otherwise), so
// each invalid byte and each control character becomes a space and the rest is kept. Sets
// `ascii` when nothing outside ASCII remains, which lets the caller skip utf8proc entirely.
std::string sanitize(std::string_view in, bool& ascii) {
  std::string out;
  out.reserve(in.size());
  ascii = true;
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      if (is_control(c)) {
        out.push_back(' ');
      } else if (c == '`') {
        out.push_back('\'');
      } else {
        out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    std::int32_t cp = 0;
    const std::size_t n = decode(in, i, cp);
    if (n == 0) {
      // Skip one byte only: the next byte may start a valid sequence.
      out.push_back(' ');
      ++i;
      continue;
    }
    if (is_control(cp)) {
      out.push_back(' ');
    } else if (const auto a = ascii_for(cp); !a.empty()) {
      out.append(a);
    } else {
      out.append(in.substr(i, n));
      ascii = false;
    }
    i += n;
  }
  return out;
}

struct free_deleter {
  void operator()(utf8proc_uint8_t* p) const noexcept { std::free(p); }
};

// Pass 2: NFKC + case folding, dropping default-ignorables and combining marks. Returns false
// (and leaves `out` alone) if utf8proc fails, which on valid input means out of memory.
bool unicode_fold(std::string_view in, std::string& out) {
  constexpr auto options =
      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                     UTF8PROC_CASEFOLD | UTF8PROC_IGNORE | UTF8PROC_STRIPMARK);
  utf8proc_uint8_t* raw_result = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(bytes_of(in), static_cast<utf8proc_ssize_t>(in.size()), &raw_result, options);
  const std::unique_ptr<utf8proc_uint8_t, free_deleter> result(raw_result);
  if (n < 0 || result == nullptr) return false;
  out.assign(reinterpret_cast<const char*>(result.get()), static_cast<std::size_t>(n));
  return true;
}

bool is_space(std::int32_t cp) {
  if (cp < 0x80) return cp == ' ' || is_control(cp);
  const utf8proc_category_t cat = utf8proc_category(cp);
  return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
         cat == UTF8PROC_CATEGORY_ZP || is_control(cp);
}

bool is_letter(std::int32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  const utf8proc_category_t cat = utf8proc_category(cp);
  return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

// Pass 3: punctuation to ASCII again (NFKC turns some compatibility forms, e.g. ﹘, into —),
// letter runs squeezed, whitespace collapsed, and the cut at max_bytes.
std::string finish(std::string_view in, std::size_t max_bytes) {
  std::string out;
  out.reserve(in.size() < max_bytes ? in.size() : max_bytes);
  bool pending_space = false;
  std::int32_t prev1 = -1;  // the last two code points written, for squeezing
  std::int32_t prev2 = -1;
  std::size_t i = 0;
  while (i < in.size()) {
    std::int32_t cp = 0;
    std::size_t n = 1;
    std::string_view piece;
    char lower = 0;
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      // Case folding already ran, except on the fallback path, where this is all there is.
      lower = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
      cp = lower;
      piece = std::string_view(&lower, 1);
    } else {
      n = decode(in, i, cp);
      if (n == 0) {
        n = 1;
        cp = ' ';
      }
      const auto a = ascii_for(cp);
      piece = a.empty() ? in.substr(i, n) : a;
    }
    i += n;

    if (is_space(cp)) {
      pending_space = !out.empty();
      prev1 = prev2 = -1;
      continue;
    }
    if (cp == prev1 && cp == prev2 && is_letter(cp)) continue;
    const std::size_t need = piece.size() + (pending_space ? 1 : 0);
    if (out.size() + need > max_bytes) break;
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.append(piece);
    prev2 = prev1;
    prev1 = cp;
  }
  return out;
}

}  // namespace

std::string normalize_text(std::string_view raw, std::size_t max_bytes) noexcept {
  try {
    if (max_bytes == 0) return {};
    // Whitespace, squeezing and fullwidth forms shrink text, so read some slack beyond max_bytes,
    // but never the whole of a huge paste.
    std::size_t cut = max_bytes > raw.size() / 2 ? raw.size() : max_bytes * 2;
    for (int back = 0; back < 3 && cut > 0 && cut < raw.size() &&
                       (static_cast<unsigned char>(raw[cut]) & 0xC0) == 0x80;
         ++back) {
      --cut;
    }
    bool ascii = true;
    std::string text = sanitize(raw.substr(0, cut), ascii);
    if (!ascii) {
      std::string folded;
      if (unicode_fold(text, folded)) text = std::move(folded);
    }
    return finish(text, max_bytes);
  } catch (...) {
    // Only allocation can fail here; an empty question is the safe answer.
    return {};
  }
}

}  // namespace advisor::engine::detail
