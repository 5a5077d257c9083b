#pragma once
// Fourth step of question understanding: map a misspelled word to the vocabulary word the user
// most likely meant ("exfoliat" -> "exfoliate"), so typos still reach the rules.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace advisor::engine::detail {

// A spelling corrector over a fixed vocabulary, built once (e.g. from the knowledge base's terms)
// and immutable afterwards: any number of threads may call its const members at once.
//
// Lookup is SymSpell-style: the deletions of up to 2 letters from each vocabulary word's first 7
// letters are indexed, so a lookup hashes at most 29 deletions of the input word instead of
// scanning the vocabulary; this retrieves every word within 2 edits of the input. Candidates are
// then verified with a weighted Damerau-Levenshtein (optimal string alignment) distance:
//   a neighbouring QWERTY key (s for d)   0.5    any other substitution         1
//   a doubled letter added or removed     0.5    any other insertion/deletion   1
//   two adjacent letters transposed       1
// and accepted only under a limit that grows with the input's length:
//   2-3 letters: only a single inserted letter ("acd" -> "acid"), or for 3 letters a transposition
//   4-5 letters: one edit, cost <= 1
//   6-7 letters: up to two edits, cost <= 1.5      8+ letters: up to two edits, cost <= 2
// Ties go to the more frequent word, then to one with the same first letter, then alphabetically.
//
// Words are compared by code point and must already be normalized (normalize_text()).
// Memory: about 600 bytes per vocabulary word (3 MB for 5,000 words).
class speller {
 public:
  using vocabulary = std::vector<std::pair<std::string, std::uint32_t>>;

  // Words longer than max_word_length code points are known but never suggested or corrected.
  static constexpr std::size_t max_word_length = 32;

  // Builds the index. Duplicate words keep their highest frequency; empty words are ignored.
  // Errors: throws std::bad_alloc. Complexity: O(words) time and memory (about 15 ms for 5,000
  // words).
  explicit speller(const vocabulary& words_with_frequency);

  // True when `word` is in the vocabulary, byte for byte. O(word.size()).
  bool known(std::string_view word) const;

  // The best correction for an unknown word, or nullopt when the word is known, contains a digit,
  // is not valid UTF-8, or nothing in the vocabulary is close enough. A known word is never
  // changed. Before edit distance, doubled letters are tried collapsed ("soo" -> "so").
  // Errors: none besides std::bad_alloc for the result. Complexity: at most 29 hash probes, then
  // O(n²) per candidate for n letters; no allocation except the result. Typically 0.2-1.5 µs
  // against 5,000 words; a known word costs one hash lookup.
  //
  // Example: speller({{"watering", 10}}).correct("waterng") == "watering"
  std::optional<std::string> correct(std::string_view word) const;

  std::size_t size() const noexcept { return words_.size(); }

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  // One open-addressing slot: the deletion's hash and its word ids postings_[begin, end).
  // end == 0 marks an empty slot. Different deletions may share a hash: verification filters them.
  struct slot {
    std::uint64_t hash = 0;
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
  };

  std::pair<const std::uint32_t*, const std::uint32_t*> lookup(std::uint64_t hash) const;
  std::u32string_view letters_of(std::uint32_t id) const;

  std::vector<std::string> words_;
  std::vector<std::uint32_t> frequency_;
  // Word id -> its letters: letters_[letters_offset_[id], letters_offset_[id + 1]), empty for a
  // word that is not indexed. keys_ and indel_costs_ run parallel to letters_.
  std::vector<char32_t> letters_;
  std::vector<std::uint32_t> letters_offset_;
  std::vector<std::uint8_t> keys_;         // keyboard key code of each letter
  std::vector<std::uint8_t> indel_costs_;  // cost to insert or delete each letter
  std::vector<std::uint32_t> masks_;       // word id -> letter_mask() of its letters
  std::unordered_map<std::string, std::uint32_t, string_hash, std::equal_to<>> ids_;
  std::vector<slot> table_;  // power-of-two size, at most half full
  std::vector<std::uint32_t> postings_;
};

}  // namespace advisor::engine::detail
