#include "nlu/stemmer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <type_traits>
#include <utility>

namespace advisor::engine::detail {
namespace {

static_assert(!std::is_copy_constructible_v<stemmer>);
static_assert(!std::is_copy_assignable_v<stemmer>);
static_assert(std::is_nothrow_move_constructible_v<stemmer>);
static_assert(std::is_nothrow_move_assignable_v<stemmer>);

TEST(stemmer, plurals) {
  stemmer s;
  EXPECT_EQ(s.stem("bumps"), "bump");
  EXPECT_EQ(s.stem("eyelids"), "eyelid");
  EXPECT_EQ(s.stem("eyes"), "eye");
  EXPECT_EQ(s.stem("weeks"), "week");
  EXPECT_EQ(s.stem("cysts"), "cyst");
  EXPECT_EQ(s.stem("whiteheads"), "whitehead");
  EXPECT_EQ(s.stem("acids"), "acid");
}

TEST(stemmer, verb_forms) {
  stemmer s;
  EXPECT_EQ(s.stem("popping"), "pop");
  EXPECT_EQ(s.stem("running"), "run");
  EXPECT_EQ(s.stem("irritated"), "irrit");
  EXPECT_EQ(s.stem("dying"), "die");
  EXPECT_EQ(s.stem("ran"), "ran");  // Porter2 does not know irregular verbs
}

// Porter2 reduces the whole family to the same, non-word stem.
TEST(stemmer, exfoliate_family_shares_a_stem) {
  stemmer s;
  EXPECT_EQ(s.stem("exfoliate"), "exfoli");
  EXPECT_EQ(s.stem("exfoliates"), "exfoli");
  EXPECT_EQ(s.stem("exfoliating"), "exfoli");
  EXPECT_EQ(s.stem("exfoliation"), "exfoli");
  EXPECT_EQ(s.stem("irritation"), s.stem("irritated"));
}

TEST(stemmer, surprising_stems) {
  stemmer s;
  EXPECT_EQ(s.stem("milia"), "milia");
  EXPECT_EQ(s.stem("hyaluronic"), "hyaluron");
  EXPECT_EQ(s.stem("itchy"), "itchi");
  EXPECT_EQ(s.stem("flies"), "fli");
  EXPECT_EQ(s.stem("news"), "news");
}

TEST(stemmer, possessives_are_stripped) {
  stemmer s;
  EXPECT_EQ(s.stem("patient's"), "patient");
  EXPECT_EQ(s.stem("patients'"), "patient");
  EXPECT_EQ(s.stem("women's"), "women");
  EXPECT_EQ(s.stem("it's"), "it");
  EXPECT_EQ(s.stem("don't"), "don't");  // only a trailing 's or ' is a possessive
}

TEST(stemmer, degenerate_words) {
  stemmer s;
  EXPECT_EQ(s.stem(""), "");
  EXPECT_EQ(s.stem("'"), "'");
  EXPECT_EQ(s.stem("a"), "a");
  EXPECT_EQ(s.stem("3"), "3");
  EXPECT_EQ(s.stem("párpados"), "párpado");
  const std::string long_word(stemmer::max_word_bytes + 1, 's');
  EXPECT_EQ(s.stem(long_word), long_word);
}

TEST(stemmer, move_transfers_the_handle) {
  stemmer a;
  stemmer b(std::move(a));
  EXPECT_EQ(b.stem("bumps"), "bump");
  EXPECT_EQ(a.stem("bumps"), "bumps");  // NOLINT(bugprone-use-after-move): documented behaviour
  EXPECT_EQ(a.stem("patient's"), "patient");
  stemmer c;
  c = std::move(b);
  EXPECT_EQ(c.stem("popping"), "pop");
}

TEST(stemmer, random_bytes_do_not_crash) {
  stemmer s;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> length(0, 40);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 2000; ++round) {
    std::string word;
    const int len = length(rng);
    for (int i = 0; i < len; ++i) word += static_cast<char>(byte(rng));
    const std::string stem = s.stem(word);
    EXPECT_LE(stem.size(), word.size() + 8);
  }
}

}  // namespace
}  // namespace advisor::engine::detail
