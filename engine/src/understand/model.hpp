#pragma once
// The understanding half of a compiled knowledge base: concepts, intents with their examples,
// answer texts and settings, ready for matching. Immutable once built, shared like the rules.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "match/network.hpp"
#include "match/symbol_table.hpp"

namespace advisor::engine::detail {

class speller;

// A feature of a message: a concept found (negated or not) or a word stem no concept covered.
// Encoded in 32 bits: kind in the top two bits, the concept or stem id below.
using feature = std::uint32_t;
inline constexpr feature feature_stem = 0u << 30;
inline constexpr feature feature_concept = 1u << 30;
inline constexpr feature feature_negated_concept = 2u << 30;
inline constexpr feature feature_id_mask = (1u << 30) - 1;

// One element of a concept's term: a word stem, or another concept (`~name`).
struct term_element {
  bool is_concept = false;
  std::uint32_t id = 0;
};

struct concept_term {
  std::uint32_t owner = 0;  // concept id
  std::vector<term_element> elements;
};

struct concept_info {
  std::string name;
  std::string entity_type;  // empty unless declared with `entity`
  source_pos pos;
};

struct example_info {
  std::string text;
  std::vector<feature> features;  // sorted, unique
  double weight = 0;              // sum of the features' weights
  source_pos pos;
};

struct intent_info {
  std::string name;
  std::string ask;  // the intent as a question, for suggestion chips
  bool follow_up = false;
  std::vector<example_info> examples;
  std::vector<std::vector<feature>> cues;  // each: every feature must be present
  source_pos pos;
};

struct answer_info {
  std::string text;  // the `text:` lines joined; may hold {relation.slot} placeholders
  std::vector<std::string> suggestions;
  source_pos pos;
};

struct understanding_model {
  symbol_table stems;  // stem text -> id
  std::vector<concept_info> concepts;
  std::unordered_map<std::string, std::uint32_t> concept_by_name;
  // Terms indexed by their first element, so a message only tries terms that can start at a word.
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> terms_by_first_stem;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> terms_by_first_concept;
  std::vector<concept_term> terms;

  std::vector<intent_info> intents;
  std::unordered_map<feature, double> weights;  // idf of each feature over the intents
  double unknown_weight = 1.0;                  // for features no intent knows
  // feature -> (intent, example) pairs holding it, for scoring by postings only.
  std::unordered_map<feature, std::vector<std::pair<std::uint32_t, std::uint32_t>>> postings;
  std::uint32_t example_count = 0;
  std::vector<std::uint32_t> example_base;  // per intent: the number of its first example over all intents

  // Known surface words (after normalization) and their stems; anything else is stemmed and
  // spell-checked at run time.
  std::unordered_map<std::string, std::uint32_t> stem_of_word;
  std::shared_ptr<const speller> spelling;

  std::map<std::string, answer_info> answers;
  std::map<std::string, std::string> settings;
  std::map<std::string, std::vector<std::string>> list_settings;  // repeated settings, in order

  std::uint32_t negation = no_index;      // special concepts, when the knowledge defines them
  std::uint32_t clause_break = no_index;
  std::uint32_t filler = no_index;
  std::uint32_t conjunction = no_index;

  // Ordinary words of the language (from *.words files): never "corrected" into knowledge words.
  std::unordered_set<std::string> dictionary;

  bool empty() const { return intents.empty() && concepts.empty() && answers.empty(); }
  std::optional<std::string> setting(const std::string& name) const {
    auto it = settings.find(name);
    if (it == settings.end()) return std::nullopt;
    return it->second;
  }
  double number_setting(const std::string& name, double fallback) const;
};

}  // namespace advisor::engine::detail
