#include "understand/intent_scorer.hpp"

#include <algorithm>
#include <unordered_map>

namespace advisor::engine::detail {
namespace {

// How much unexplained message weight can cost a perfect example match: with 0.45, an example
// fully present in a message that is two-thirds unrelated words scores about 0.7.
constexpr double unexplained_penalty = 0.45;

double weight_of(const understanding_model& model, feature f) {
  auto it = model.weights.find(f);
  return it == model.weights.end() ? model.unknown_weight : it->second;
}

void score_features(const understanding_model& model, const std::vector<feature>& features,
                    std::vector<double>& best, std::unordered_map<std::uint64_t, double>& shared) {
  if (features.empty()) return;
  shared.clear();
  double total = 0;
  for (auto f : features) {
    double w = weight_of(model, f);
    total += w;
    auto it = model.postings.find(f);
    if (it == model.postings.end()) continue;
    for (auto [intent, example] : it->second) shared[(std::uint64_t{intent} << 32) | example] += w;
  }
  for (auto [key, w] : shared) {
    auto intent = static_cast<std::uint32_t>(key >> 32);
    const auto& e = model.intents[intent].examples[static_cast<std::uint32_t>(key & 0xFFFFFFFFu)];
    double coverage = w / e.weight;
    double explained = w / total;
    double s = coverage * (1.0 - unexplained_penalty * (1.0 - explained));
    best[intent] = std::max(best[intent], s);
  }
  for (std::uint32_t i = 0; i < model.intents.size(); ++i) {
    for (const auto& cue : model.intents[i].cues) {
      if (!std::includes(features.begin(), features.end(), cue.begin(), cue.end())) continue;
      double w = 0;
      for (auto f : cue) w += weight_of(model, f);
      best[i] = std::max(best[i], 0.9 + 0.1 * std::min(1.0, w / total));
    }
  }
}

}  // namespace

std::vector<intent_score> score_intents(const understanding_model& model, const prepared_message& msg) {
  std::vector<double> best(model.intents.size(), 0.0);
  std::unordered_map<std::uint64_t, double> shared;
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
