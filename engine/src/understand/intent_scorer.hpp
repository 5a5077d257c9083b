#pragma once
// Scores every intent against a prepared message. An example scores by how much of it (by
// feature weight) the message contains, discounted by how much of the message it leaves
// unexplained; a cue whose terms are all present counts as a sure match. Each sentence is scored
// on its own too, so a long story ending in a short question is read by its question.
// Only examples that share a feature with the message are visited (postings).

#include <string>
#include <vector>

#include "understand/model.hpp"
#include "understand/prepare.hpp"

namespace advisor::engine::detail {

struct intent_score {
  std::uint32_t intent = 0;
  double score = 0;
};

// Every intent with a score above zero, best first.
std::vector<intent_score> score_intents(const understanding_model& model, const prepared_message& msg);

}  // namespace advisor::engine::detail
