#include "nlu/normalize.hpp"
#include "util/utf8.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace advisor::engine::detail {
namespace {

// The engine's own validator (RFC 3629), so the test and the code agree on what valid means.
bool valid_utf8(std::string_view s) { return first_invalid_utf8(s) == std::string::npos; }

TEST(normalize, header_example) {
  EXPECT_EQ(normalize_text("Can I  push “MILIA” out — myself?!"),
            "can i push \"milia\" out - myself?!");
}

TEST(normalize, empty_input_and_zero_budget) {
  EXPECT_EQ(normalize_text(""), "");
  EXPECT_EQ(normalize_text("   \t\n  "), "");
  EXPECT_EQ(normalize_text("milia", 0), "");
}

TEST(normalize, nfkc_folds_fullwidth_and_ligatures) {
  EXPECT_EQ(normalize_text("ｍｉｌｉａ"), "milia");
  EXPECT_EQ(normalize_text("ＭＩＬＩＡ １２"), "milia 12");
  EXPECT_EQ(normalize_text("ﬁne ﬂakes"), "fine flakes");
  EXPECT_EQ(normalize_text("x²"), "x2");
}

TEST(normalize, case_folding) {
  EXPECT_EQ(normalize_text("MILIA Under My EYES"), "milia under my eyes");
  EXPECT_EQ(normalize_text("Straße"), "strasse");
  EXPECT_EQ(normalize_text("ΣΊΣΥΦΟΣ"), "σισυφοσ");  // final sigma folds to σ; the tonos is stripped
}

TEST(normalize, combining_marks_are_stripped) {
  EXPECT_EQ(normalize_text("Párpados"), "parpados");
  EXPECT_EQ(normalize_text("pa\xCC\x81rpados"), "parpados");  // a + U+0301 COMBINING ACUTE
  EXPECT_EQ(normalize_text("crème brûlée niño"), "creme brulee nino");
}

TEST(normalize, invisible_characters_are_removed) {
  EXPECT_EQ(normalize_text("exfo\u00ADliate"), "exfoliate");  // soft hyphen
  EXPECT_EQ(normalize_text("mi\u200Blia"), "milia");          // zero-width space
  EXPECT_EQ(normalize_text("\u202Eailim"), "ailim");          // right-to-left override
  EXPECT_EQ(normalize_text("\uFEFFmilia"), "milia");          // byte order mark
}

TEST(normalize, curly_quotes_become_ascii) {
  EXPECT_EQ(normalize_text("don’t"), "don't");
  EXPECT_EQ(normalize_text("‘a’ ‚b‛ c′ d` e´"), "'a' 'b' c' d' e'");
  EXPECT_EQ(normalize_text("“milia” „x”"), "\"milia\" \"x\"");
}

TEST(normalize, dashes_become_hyphen) {
  EXPECT_EQ(normalize_text("a‐b‑c‒d–e—f―g−h"), "a-b-c-d-e-f-g-h");
  EXPECT_EQ(normalize_text("a\uFE58b"), "a-b");  // small em dash: NFKC gives —, then -
}

TEST(normalize, ellipsis_becomes_three_dots) {
  EXPECT_EQ(normalize_text("wait…"), "wait...");
}

TEST(normalize, letter_runs_are_squeezed_to_two) {
  EXPECT_EQ(normalize_text("sooo"), "soo");
  EXPECT_EQ(normalize_text("hiiii"), "hii");
  EXPECT_EQ(normalize_text("AAAAH"), "aah");
  EXPECT_EQ(normalize_text("pleeeeease helppp"), "pleease helpp");
  EXPECT_EQ(normalize_text("ééé"), "ee");  // squeezed after marks are stripped
  EXPECT_EQ(normalize_text("too good"), "too good");
  // Only letters: numbers and punctuation keep their length.
  EXPECT_EQ(normalize_text("1000 !!!!"), "1000 !!!!");
  // A space breaks a run.
  EXPECT_EQ(normalize_text("aa a"), "aa a");
}

TEST(normalize, whitespace_is_collapsed_and_trimmed) {
  EXPECT_EQ(normalize_text("  milia \t\n\r under   eyes  "), "milia under eyes");
  EXPECT_EQ(normalize_text("milia\u00A0under\u3000eyes\u2028now"), "milia under eyes now");
}

TEST(normalize, control_characters_become_spaces) {
  EXPECT_EQ(normalize_text("a\x01" "b\x7F" "c\u0085d\x1B[31me"), "a b c d [31me");
  EXPECT_EQ(normalize_text(std::string("a\0b", 3)), "a b");
}

TEST(normalize, invalid_utf8_becomes_space_and_the_rest_is_kept) {
  EXPECT_EQ(normalize_text("milia \xFF\xFE under"), "milia under");
  EXPECT_EQ(normalize_text("mi\xC3lia"), "mi lia");           // truncated 2-byte sequence
  EXPECT_EQ(normalize_text("a\xC0\xAF" "b"), "a b");           // overlong '/'
  EXPECT_EQ(normalize_text("a\xED\xA0\x80" "b"), "a b");       // UTF-16 surrogate
  EXPECT_EQ(normalize_text("a\xF4\x90\x80\x80" "b"), "a b");   // past U+10FFFF
  EXPECT_EQ(normalize_text("\x80\x80milia\xE2\x80"), "milia");  // stray continuations, cut end
  EXPECT_EQ(normalize_text("\xE2\x80" "é"), "e");               // valid text right after
}

TEST(normalize, markup_and_emoji_are_plain_text) {
  EXPECT_EQ(normalize_text("<script>alert('X')</script>"), "<script>alert('x')</script>");
  EXPECT_EQ(normalize_text("<img src=x onerror=alert(1)>"), "<img src=x onerror=alert(1)>");
  EXPECT_EQ(normalize_text("😀😀😀"), "😀😀😀");  // not letters: never squeezed
  EXPECT_EQ(normalize_text("?!..."), "?!...");
}

TEST(normalize, output_is_cut_at_a_code_point_boundary) {
  EXPECT_EQ(normalize_text("日本語", 4), "日");
  EXPECT_EQ(normalize_text("日本語", 6), "日本");
  EXPECT_EQ(normalize_text("ab cd", 3), "ab");  // no trailing space
  EXPECT_EQ(normalize_text("😀😀", 7), "😀");
}

TEST(normalize, large_input_is_truncated_cheaply) {
  std::string big;
  while (big.size() < 100 * 1024) big += "Párpados MILIA “bumps” — ";
  const auto start = std::chrono::steady_clock::now();
  const std::string out = normalize_text(big);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LE(out.size(), 4096u);
  EXPECT_GT(out.size(), 4000u);
  EXPECT_TRUE(valid_utf8(out));
  EXPECT_EQ(out.substr(0, 33), "parpados milia \"bumps\" - parpados");
  // Reads ~8 KB, not 100 KB: generous even for a sanitizer build.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 200);
}

TEST(normalize, large_input_of_spaces_yields_nothing) {
  EXPECT_EQ(normalize_text(std::string(100 * 1024, ' ') + "milia"), "");
}

// The ASCII fast path must agree with utf8proc: appending "é" forces the slow path.
TEST(normalize, ascii_fast_path_matches_utf8proc) {
  for (int c = 0; c < 0x80; ++c) {
    const std::string s = std::string("x") + static_cast<char>(c) + "Y";
    EXPECT_EQ(normalize_text(s + " é"), normalize_text(s) + " e") << "byte " << c;
  }
}

TEST(normalize, output_is_always_valid_utf8) {
  const std::string samples[] = {"\xFF", "a\xC3", "\xF0\x9F\x98", "😀\xED\xBF\xBF", "\xEF\xBF\xBF"};
  for (const auto& s : samples) EXPECT_TRUE(valid_utf8(normalize_text(s))) << s;
}

}  // namespace
}  // namespace advisor::engine::detail
