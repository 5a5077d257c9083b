#include "nlu/tokenize.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "nlu/normalize.hpp"

namespace advisor::engine::detail {
namespace {

std::vector<std::string> texts(const std::vector<text_token>& tokens) {
  std::vector<std::string> out;
  for (const auto& t : tokens) out.push_back(t.text);
  return out;
}

std::vector<token_type> types(const std::vector<text_token>& tokens) {
  std::vector<token_type> out;
  for (const auto& t : tokens) out.push_back(t.type);
  return out;
}

using strings = std::vector<std::string>;
constexpr auto w = token_type::word;
constexpr auto n = token_type::number;
constexpr auto p = token_type::punct;

TEST(tokenize, words_and_punctuation_with_offsets) {
  const std::string text = "can i push milia out?";
  const auto tokens = tokenize(text);
  EXPECT_EQ(texts(tokens), (strings{"can", "i", "push", "milia", "out", "?"}));
  EXPECT_EQ(types(tokens), (std::vector<token_type>{w, w, w, w, w, p}));
  ASSERT_EQ(tokens.size(), 6u);
  EXPECT_EQ(tokens[3].begin, 11u);
  EXPECT_EQ(tokens[3].end, 16u);
  EXPECT_EQ(tokens[5].begin, 20u);
  EXPECT_EQ(tokens[5].end, 21u);
}

TEST(tokenize, empty_and_blank) {
  EXPECT_TRUE(tokenize("").empty());
  EXPECT_TRUE(tokenize(" ").empty());
}

TEST(tokenize, inner_apostrophes_stay_in_the_word) {
  EXPECT_EQ(texts(tokenize("don't what's it's")), (strings{"don't", "what's", "it's"}));
  // Quotes around a word and a trailing possessive apostrophe are not part of it.
  EXPECT_EQ(texts(tokenize("'milia' patients' '")), (strings{"milia", "patients"}));
  EXPECT_EQ(texts(tokenize("90's")), (strings{"90's"}));
}

TEST(tokenize, hyphens_split_words) {
  const auto tokens = tokenize("omega-3 t-zone anti-aging");
  EXPECT_EQ(texts(tokens), (strings{"omega", "3", "t", "zone", "anti", "aging"}));
  EXPECT_EQ(types(tokens), (std::vector<token_type>{w, n, w, w, w, w}));
}

TEST(tokenize, letters_and_digits_together_are_one_word) {
  const auto tokens = tokenize("omega3 10am b5");
  EXPECT_EQ(texts(tokens), (strings{"omega3", "10am", "b5"}));
  EXPECT_EQ(types(tokens), (std::vector<token_type>{w, w, w}));
}

TEST(tokenize, numbers) {
  const auto tokens = tokenize("3 weeks, 2.5 mm or 1,000 times. 7.");
  EXPECT_EQ(texts(tokens),
            (strings{"3", "weeks", ",", "2.5", "mm", "or", "1,000", "times", ".", "7", "."}));
  EXPECT_EQ(types(tokens), (std::vector<token_type>{n, w, p, n, w, w, n, w, p, n, p}));
}

TEST(tokenize, each_punctuation_mark_is_a_token) {
  const auto tokens = tokenize("a.b,c!d?e;f:g...");
  EXPECT_EQ(texts(tokens), (strings{"a", ".", "b", ",", "c", "!", "d", "?", "e", ";", "f", ":",
                                    "g", ".", ".", "."}));
}

TEST(tokenize, only_punctuation) {
  const auto tokens = tokenize(normalize_text("?!…"));
  EXPECT_EQ(texts(tokens), (strings{"?", "!", ".", ".", "."}));
  EXPECT_EQ(types(tokens), (std::vector<token_type>{p, p, p, p, p}));
}

TEST(tokenize, other_symbols_are_dropped) {
  EXPECT_EQ(texts(tokenize("(a) [b] {c} \"d\" e/f g&h 5% $6 #x @y _z ~ ^ | \\ * + = < >")),
            (strings{"a", "b", "c", "d", "e", "f", "g", "h", "5", "6", "x", "y", "z"}));
}

TEST(tokenize, emoji_are_dropped) {
  const std::string text = "milia 😀 eyes 👍🏽";
  const auto tokens = tokenize(text);
  EXPECT_EQ(texts(tokens), (strings{"milia", "eyes"}));
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[1].begin, 11u);
  EXPECT_TRUE(tokenize(normalize_text("😀😀😀 👍")).empty());
}

TEST(tokenize, script_tag_yields_harmless_words) {
  EXPECT_EQ(texts(tokenize(normalize_text("<script>alert('XSS')</script>"))),
            (strings{"script", "alert", "xss", "script"}));
  EXPECT_EQ(texts(tokenize(normalize_text("<img src=x onerror=alert(1)>"))),
            (strings{"img", "src", "x", "onerror", "alert", "1"}));
}

TEST(tokenize, non_latin_letters_and_marks) {
  EXPECT_EQ(texts(tokenize("日本語 niño")), (strings{"日本語", "niño"}));
  // n + U+0303 COMBINING TILDE stays one word.
  EXPECT_EQ(texts(tokenize("nin\xCC\x83o")), (strings{"nin\xCC\x83o"}));
  EXPECT_EQ(texts(tokenize("\xCC\x83x")), (strings{"x"}));  // a mark with no letter is dropped
}

TEST(tokenize, invalid_bytes_separate_tokens) {
  EXPECT_EQ(texts(tokenize("mi\xFFlia\xC3")), (strings{"mi", "lia"}));
}

// Property check over random bytes (fixed seed): normalize_text never crashes and always yields
// valid, single-spaced, bounded text; tokens always point at exactly their text.
TEST(tokenize, random_bytes_through_the_pipeline) {
  std::mt19937 rng(20240611);
  // Random bytes alone rarely form valid multi-byte text, so mix in fragments that do.
  const std::vector<std::string> fragments = {
      "milia", " ", "É", "ﬁ", "’", "—", "…", "😀", "\xCC\x81", "\xED\xA0\x80", "\xF4\x90", "\xC3",
      "'", "-", "3.5", ".", "?", std::string(1, '\0'), "\t", "ｍ", "ß", "\u200B", "\u202E", "ooo"};
  std::uniform_int_distribution<int> length(0, 300);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> pick(0, fragments.size() - 1);
  std::uniform_int_distribution<int> coin(0, 3);
  std::uniform_int_distribution<std::size_t> budget(1, 400);
  for (int round = 0; round < 5000; ++round) {
    std::string input;
    const int len = length(rng);
    for (int i = 0; i < len; ++i) {
      if (coin(rng) == 0) {
        input += fragments[pick(rng)];
      } else {
        input += static_cast<char>(byte(rng));
      }
    }
    const std::size_t max_bytes = round % 2 == 0 ? 4096 : budget(rng);
    const std::string text = normalize_text(input, max_bytes);
    ASSERT_LE(text.size(), max_bytes);
    // Idempotence also proves the output is valid UTF-8: an invalid byte would become a space.
    ASSERT_EQ(normalize_text(text, max_bytes), text);
    ASSERT_EQ(text.find("  "), std::string::npos);
    if (!text.empty()) {
      ASSERT_NE(text.front(), ' ');
      ASSERT_NE(text.back(), ' ');
    }
    for (const auto& t : tokenize(text)) {
      ASSERT_FALSE(t.text.empty());
      ASSERT_LT(t.begin, t.end);
      ASSERT_LE(t.end, text.size());
      ASSERT_EQ(text.substr(t.begin, t.end - t.begin), t.text);
    }
    // The tokenizer also survives raw, unnormalized bytes.
    for (const auto& t : tokenize(input)) ASSERT_LE(t.end, input.size());
  }
}

}  // namespace
}  // namespace advisor::engine::detail
