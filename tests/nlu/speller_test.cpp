#include "nlu/speller.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace advisor::engine::detail {
namespace {

speller skin_vocabulary() {
  return speller({{"milia", 50},   {"exfoliate", 20}, {"exfoliation", 15}, {"hyaluronic", 10},
                  {"acid", 30},    {"eyelid", 25},    {"eyelids", 12},     {"eye", 40},
                  {"eyes", 45},    {"weeks", 18},     {"what", 300},       {"heard", 22},
                  {"never", 80},   {"can", 250},      {"i", 500},          {"push", 14},
                  {"with", 280},   {"water", 33},     {"scrub", 11}});
}

TEST(speller, required_corrections) {
  const speller s = skin_vocabulary();
  EXPECT_EQ(s.correct("mila"), "milia");
  EXPECT_EQ(s.correct("exfoliat"), "exfoliate");
  EXPECT_EQ(s.correct("acd"), "acid");
  EXPECT_EQ(s.correct("eylid"), "eyelid");
  EXPECT_EQ(s.correct("hyaloronic"), "hyaluronic");
  EXPECT_EQ(s.correct("weks"), "weeks");
  EXPECT_EQ(s.correct("herd"), "heard");
  EXPECT_EQ(s.correct("cn"), "can");
}

TEST(speller, known_words_stay) {
  const speller s = skin_vocabulary();
  EXPECT_TRUE(s.known("eyes"));
  EXPECT_EQ(s.correct("eyes"), std::nullopt);
  EXPECT_EQ(s.correct("i"), std::nullopt);
  // "eye" is one letter from the more frequent "eyes" and still is never changed.
  EXPECT_EQ(s.correct("eye"), std::nullopt);
}

TEST(speller, a_known_word_is_never_replaced_by_a_more_frequent_one) {
  const speller s({{"bump", 1}, {"bumps", 1000}, {"pump", 5000}});
  EXPECT_EQ(s.correct("bump"), std::nullopt);
  EXPECT_EQ(s.correct("bumps"), std::nullopt);
}

TEST(speller, nothing_close_enough) {
  const speller s = skin_vocabulary();
  EXPECT_EQ(s.correct("xyzzy"), std::nullopt);
  EXPECT_EQ(s.correct("zz"), std::nullopt);
  EXPECT_EQ(s.correct("x"), std::nullopt);      // one letter: never corrected
  EXPECT_EQ(s.correct(""), std::nullopt);
  EXPECT_EQ(s.correct("hyaloronik"), "hyaluronic");  // two edits in a 10-letter word: allowed
  EXPECT_EQ(s.correct("mxlxa"), std::nullopt);  // two edits in a 5-letter word: too many
  EXPECT_EQ(s.correct("eywz"), std::nullopt);   // two neighbour keys (0.5 each), but two edits
}

TEST(speller, short_words_only_gain_a_letter) {
  const speller s({{"can", 10}, {"in", 1000}, {"on", 1000}, {"i", 1000}, {"the", 100}});
  EXPECT_EQ(s.correct("cn"), "can");  // not "in" or "on", though one substitution away
  EXPECT_EQ(s.correct("an"), "can");
  EXPECT_EQ(s.correct("teh"), "the");  // three letters may also be unswapped
  EXPECT_EQ(s.correct("ix"), std::nullopt);
  EXPECT_EQ(s.correct("tha"), std::nullopt);
}

TEST(speller, words_with_digits_are_not_corrected) {
  const speller s({{"omega", 10}, {"omega3", 10}});
  EXPECT_EQ(s.correct("omeg3"), std::nullopt);
  EXPECT_EQ(s.correct("0mega"), std::nullopt);
  EXPECT_EQ(s.correct("omga"), "omega");
}

TEST(speller, doubled_letters_are_collapsed_first) {
  const speller s({{"so", 100}, {"good", 10}, {"help", 10}});
  EXPECT_EQ(s.correct("soo"), "so");
  EXPECT_EQ(s.correct("helpp"), "help");
  EXPECT_EQ(s.correct("godd"), "good");  // collapsing gives "god", unknown; the distance finds it
}

TEST(speller, keyboard_neighbours_beat_frequency) {
  // b and n are neighbours; b and r are not.
  const speller s({{"nose", 1}, {"rose", 1000}});
  EXPECT_EQ(s.correct("bose"), "nose");
}

TEST(speller, doubled_letters_cost_less) {
  // "apple" needs one doubled p (0.5); "ample" a substitution (1).
  const speller s({{"apple", 1}, {"ample", 1000}});
  EXPECT_EQ(s.correct("aple"), "apple");
}

// Deletions are indexed from the first 7 letters only; typos anywhere in a long word still match.
TEST(speller, long_words_are_corrected_anywhere) {
  const speller s({{"dermatologist", 5}, {"dermatology", 5}, {"moisturizer", 5}});
  EXPECT_EQ(s.correct("edrmatologist"), "dermatologist");
  EXPECT_EQ(s.correct("dermatolgist"), "dermatologist");
  EXPECT_EQ(s.correct("dermatologits"), "dermatologist");
  EXPECT_EQ(s.correct("dermatologisst"), "dermatologist");
  EXPECT_EQ(s.correct("dermatologyst"), "dermatologist");
  EXPECT_EQ(s.correct("moistrizer"), "moisturizer");
  EXPECT_EQ(s.correct("xmoisturizerx"), "moisturizer");  // two insertions, cost 2
  EXPECT_EQ(s.correct("xmoisturizerxx"), std::nullopt);  // three edits
}

TEST(speller, transpositions_cost_one) {
  const speller s = skin_vocabulary();
  EXPECT_EQ(s.correct("mlia"), "milia");
  EXPECT_EQ(s.correct("hyalurnoic"), "hyaluronic");
  EXPECT_EQ(s.correct("wiht"), "with");
}

TEST(speller, ties_go_to_frequency_then_first_letter) {
  // "lase" is one substitution from both; neither substitution is a keyboard neighbour.
  EXPECT_EQ(speller({{"last", 10}, {"case", 100}}).correct("lase"), "case");
  EXPECT_EQ(speller({{"last", 100}, {"case", 10}}).correct("lase"), "last");
  EXPECT_EQ(speller({{"last", 10}, {"case", 10}}).correct("lase"), "last");
}

TEST(speller, duplicates_keep_the_highest_frequency) {
  const speller s({{"last", 10}, {"case", 50}, {"last", 200}, {"", 7}});
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.correct("lase"), "last");
}

TEST(speller, empty_vocabulary) {
  const speller s({});
  EXPECT_FALSE(s.known("milia"));
  EXPECT_EQ(s.correct("milia"), std::nullopt);
}

TEST(speller, non_ascii_words_are_edited_by_code_point) {
  const speller s({{"日本語", 10}, {"niño", 10}});
  EXPECT_EQ(s.correct("日本"), "日本語");
  EXPECT_EQ(s.correct("nino"), "niño");
}

TEST(speller, invalid_and_overlong_input) {
  const speller s({{"milia", 1}, {std::string(40, 'a'), 1}});
  EXPECT_EQ(s.correct("mil\xFF" "a"), std::nullopt);
  EXPECT_TRUE(s.known(std::string(40, 'a')));
  EXPECT_EQ(s.correct(std::string(41, 'a')), std::nullopt);
  EXPECT_EQ(s.correct(std::string(39, 'a') + "b"), std::nullopt);
}

TEST(speller, shared_across_threads) {
  const speller s = skin_vocabulary();
  constexpr std::size_t thread_count = 4;
  std::vector<int> wrong(thread_count, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < thread_count; ++t) {
    threads.emplace_back([&s, &wrong, t] {
      for (int i = 0; i < 2000; ++i) {
        if (s.correct("exfoliat") != "exfoliate" || s.correct("eyes") != std::nullopt) ++wrong[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const int n : wrong) EXPECT_EQ(n, 0);
}

}  // namespace
}  // namespace advisor::engine::detail
