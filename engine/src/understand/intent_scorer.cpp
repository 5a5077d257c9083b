#include "understand/intent_scorer.hpp"

#include <algorithm>

namespace advisor::engine::detail {
namespace {

// An example's score is how much of it the message contains (coverage), discounted by how much
// of the message's known content it leaves unexplained (precision over features some intent
// knows), and by the share of words no intent knows at all (a message mostly about something
// else). Cues skip coverage: all their terms present is a sure match.
constexpr double precision_floor = 0.45;  // an example explaining none of the rest still keeps this share
constexpr double unknown_penalty = 0.5;   // a message of nothing but unknown words loses this share

double weight_of(const understanding_model& model, feature f, bool& known) {
  auto it = model.weights.find(f);
  known = it != model.weights.end();
  return known ? it->second : model.unknown_weight;
}

// The weight each example shares with the message, by the example's number over all intents: an
// array rather than a hash map, since a common word's postings reach hundreds of examples. Every
// slot is zero between calls; `touched` lists the ones a call made non-zero.
struct shared_weights {
  std::vector<double> by_example;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> touched;  // (intent, example)
};

void score_features(const understanding_model& model, const std::vector<feature>& features,
                    std::vector<double>& best, shared_weights& shared) {
  if (features.empty()) return;
  double known_total = 0, unknown_total = 0;
  for (auto f : features) {
    bool known = false;
    double w = weight_of(model, f, known);
    (known ? known_total : unknown_total) += w;
    auto it = model.postings.find(f);
    if (it == model.postings.end()) continue;
    for (auto [intent, example] : it->second) {
      double& slot = shared.by_example[model.example_base[intent] + example];
      if (slot == 0) shared.touched.emplace_back(intent, example);
      slot += w;
    }
  }
  const double unknown_share = unknown_total / (known_total + unknown_total);
  const double relevance = 1.0 - unknown_penalty * unknown_share;
  for (auto [intent, example] : shared.touched) {
    double& slot = shared.by_example[model.example_base[intent] + example];
    const double w = slot;
    slot = 0;
    const auto& e = model.intents[intent].examples[example];
    double coverage = w / e.weight;
    double precision = w / known_total;
    double s = coverage * (precision_floor + (1.0 - precision_floor) * precision) * relevance;
    best[intent] = std::max(best[intent], s);
  }
  shared.touched.clear();
  for (std::uint32_t i = 0; i < model.intents.size(); ++i) {
    for (const auto& cue : model.intents[i].cues) {
      if (!std::includes(features.begin(), features.end(), cue.begin(), cue.end())) continue;
      best[i] = std::max(best[i], 0.9 * relevance + 0.1);
    }
  }
}

}  // namespace

std::vector<intent_score> score_intents(const understanding_model& model, const prepared_message& msg) {
  std::vector<double> best(model.intents.size(), 0.0);
  thread_local shared_weights shared;
  if (shared.by_example.size() < model.example_count) shared.by_example.resize(model.example_count, 0.0);
  score_features(model, msg.features, best, shared);
  if (msg.sentence_features.size() > 1)
    for (const auto& sentence : msg.sentence_features) score_features(model, sentence, best, shared);
  std::vector<intent_score> out;
  for (std::uint32_t i = 0; i < best.size(); ++i)
    if (best[i] > 0) out.push_back({i, best[i]});
  std::stable_sort(out.begin(), out.end(), [](const intent_score& a, const intent_score& b) { return a.score > b.score; });
  return out;
}

}  // namespace advisor::engine::detail
