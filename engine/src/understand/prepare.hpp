#pragma once
// Reads a message once: normalized, split into words, spelling corrected against the
// knowledge's vocabulary, stemmed, and marked with every concept it contains (with negation
// scope). Everything later (intent scoring, facts for the rules, explanations) works from this.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "understand/model.hpp"

namespace advisor::engine::detail {

class stemmer;

struct prepared_word {
  std::string text;       // as normalized
  std::string corrected;  // the vocabulary word it was corrected to; empty when unchanged
  std::uint32_t stem = no_index;  // no_index for punctuation
  std::uint32_t sentence = 0;
  bool punct = false;
  bool negated = false;  // inside a negation's scope
  bool covered = false;  // part of some concept's phrase
};

struct concept_mark {
  std::uint32_t concept_id = 0;
  std::uint32_t begin = 0;  // word positions, end exclusive
  std::uint32_t end = 0;
  bool negated = false;
};

struct prepared_message {
  std::string normalized;
  std::vector<prepared_word> words;
  std::vector<concept_mark> marks;
  std::vector<std::vector<feature>> sentence_features;  // per sentence, sorted and unique
  std::vector<feature> features;                        // the whole message, sorted and unique
  symbol_table unknown_stems;  // stems the model has never seen, numbered after its own

  explicit prepared_message(std::uint32_t first_unknown_stem) : unknown_stems(first_unknown_stem) {}
  const std::string& stem_text(const understanding_model& model, std::uint32_t id) const {
    return model.stems.owns(id) ? model.stems.text(id) : unknown_stems.text(id);
  }
};

// `correct_spelling` is off while compiling the knowledge's own examples.
prepared_message prepare_message(const understanding_model& model, std::string_view text, stemmer& stem,
                                 bool correct_spelling = true, std::size_t max_bytes = 4096);

}  // namespace advisor::engine::detail
