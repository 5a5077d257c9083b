#pragma once
// First step of question understanding: untrusted bytes -> one canonical, lower-case, single-spaced
// UTF-8 string that the tokenizer, the stemmer and the speller can rely on.

#include <cstddef>
#include <string>
#include <string_view>

namespace advisor::engine::detail {

// Normalizes free text typed by a user. Applied in this order:
//   - reads at most 2 * max_bytes input bytes (cut at a code point boundary), so a 100 KB paste
//     costs no more than an 8 KB one;
//   - invalid UTF-8 (stray, overlong, surrogate, truncated sequences) and control characters
//     (C0, DEL, C1) become spaces;
//   - Unicode NFKC, case folding, removal of default-ignorable characters (soft hyphen, zero-width
//     joiners, bidi controls) and of all combining marks, so "ｐｌａｎｔ" -> "plant",
//     "Párpados" -> "parpados", "Straße" -> "strasse";
//   - typographic punctuation to ASCII: ‘ ’ ‚ ‛ ′ ` ´ -> ', “ ” „ -> ", ‐ ‑ ‒ – — ― − -> -,
//     … -> ...;
//   - runs of 3 or more identical letters squeezed to 2 ("sooo" -> "soo"; the speller does the
//     rest);
//   - whitespace runs collapsed to one space, none leading or trailing;
//   - the result cut to at most max_bytes at a code point boundary.
// Markup and emoji are not interpreted: they stay as text, and the tokenizer keeps only words.
//
// Errors: none. Never throws; any byte sequence is accepted. Should memory run out, the result is
// empty. Complexity: linear in min(raw.size(), 2 * max_bytes); pure ASCII skips utf8proc.
//
// Example:
//   normalize_text("Can I  prune “ROSES” now — myself?!") == "can i prune \"roses\" now - myself?!"
std::string normalize_text(std::string_view raw, std::size_t max_bytes = 4096) noexcept;

}  // namespace advisor::engine::detail
