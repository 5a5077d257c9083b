#include "understand/prepare.hpp"

#include <algorithm>

#include "nlu/normalize.hpp"
#include "nlu/speller.hpp"
#include "nlu/stemmer.hpp"
#include "nlu/tokenize.hpp"

namespace advisor::engine::detail {
namespace {

// Finds every concept phrase in the words. Terms are indexed by their first element; a concept
// found at a position may complete terms that start with that concept (`~bump on ~eyes`), so
// newly found marks go through a worklist until nothing new appears.
class marker {
 public:
  marker(const understanding_model& model, prepared_message& msg)
      : model_(model), msg_(msg), starts_(msg.words.size()) {}

  // Right to left: when a term starting at a word needs a concept further on ("white ~bump"),
  // every mark further on is already there.
  void run() {
    for (auto i = static_cast<std::uint32_t>(msg_.words.size()); i-- > 0;) {
      if (msg_.words[i].punct) continue;
      if (auto it = model_.terms_by_first_stem.find(msg_.words[i].stem); it != model_.terms_by_first_stem.end())
        for (auto t : it->second) match(t, i);
      while (!work_.empty()) {  // marks found here, all starting at i
        auto [concept_id, at] = work_.back();
        work_.pop_back();
        auto it = model_.terms_by_first_concept.find(concept_id);
        if (it == model_.terms_by_first_concept.end()) continue;
        for (auto t : it->second) match(t, at);
      }
    }
  }

 private:
  void match(std::uint32_t term, std::uint32_t start) {
    extend(model_.terms[term], 0, start, start);
  }

  void extend(const concept_term& term, std::size_t element, std::uint32_t start, std::uint32_t pos) {
    if (element == term.elements.size()) {
      add(term.owner, start, pos);
      return;
    }
    const auto& e = term.elements[element];
    if (!e.is_concept) {
      if (pos < msg_.words.size() && !msg_.words[pos].punct && msg_.words[pos].stem == e.id)
        extend(term, element + 1, start, pos + 1);
      return;
    }
    if (pos >= starts_.size()) return;
    // Copy: adding marks below may grow this list.
    auto ends = starts_[pos];
    for (auto [c, end] : ends)
      if (c == e.id) extend(term, element + 1, start, end);
  }

  void add(std::uint32_t concept_id, std::uint32_t begin, std::uint32_t end) {
    if (begin == end || end > msg_.words.size()) return;
    auto& here = starts_[begin];
    for (auto [c, e] : here)
      if (c == concept_id && e == end) return;
    here.emplace_back(concept_id, end);
    msg_.marks.push_back({concept_id, begin, end, false});
    work_.emplace_back(concept_id, begin);
  }

  const understanding_model& model_;
  prepared_message& msg_;
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> starts_;  // per position: (concept, end)
  std::vector<std::pair<std::uint32_t, std::uint32_t>> work_;
};

// A negation word negates the first word after it that carries meaning (skipping filler), and
// whatever concept starts there: "I don't want to pop them" negates pop, "these aren't touching
// the bumps" negates touching, not bumps. A conjunction right after a negated word carries the
// negation on ("no pain or redness"). Punctuation and clause breaks end it.
void mark_negation(const understanding_model& model, prepared_message& msg) {
  if (model.negation == no_index) return;
  const std::size_t n = msg.words.size();
  std::vector<bool> negation(n), filler(n), breaks(n), conjunction(n);
  std::vector<std::uint32_t> longest(n, 0);  // end of the longest mark starting at each word
  for (const auto& m : msg.marks) {
    for (auto i = m.begin; i < m.end; ++i) {
      if (m.concept_id == model.negation) negation[i] = true;
      if (m.concept_id == model.filler) filler[i] = true;
      if (m.concept_id == model.conjunction) conjunction[i] = true;
    }
    if (m.concept_id == model.clause_break) breaks[m.begin] = true;
    longest[m.begin] = std::max(longest[m.begin], m.end);
  }
  bool pending = false, after_negated = false;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (msg.words[i].punct || breaks[i]) {
      pending = after_negated = false;
      continue;
    }
    if (negation[i]) {
      pending = true;
      after_negated = false;
      continue;
    }
    if (after_negated && conjunction[i]) {
      pending = true;
      after_negated = false;
      continue;
    }
    after_negated = false;
    if (!pending || filler[i]) continue;
    pending = false;
    after_negated = true;
    std::uint32_t end = std::max(i + 1, longest[i]);
    for (auto j = i; j < end && j < n; ++j) msg.words[j].negated = true;
    i = end - 1;
  }
  for (auto& m : msg.marks)
    if (m.concept_id != model.negation) m.negated = msg.words[m.begin].negated;
}

bool is_special(const understanding_model& model, std::uint32_t c) {
  return c == model.negation || c == model.clause_break || c == model.filler || c == model.conjunction;
}

void collect_features(const understanding_model& model, prepared_message& msg) {
  std::uint32_t sentences = msg.words.empty() ? 0 : msg.words.back().sentence + 1;
  msg.sentence_features.assign(sentences, {});
  std::vector<bool> filler(msg.words.size());
  for (const auto& m : msg.marks) {
    for (auto i = m.begin; i < m.end; ++i) {
      msg.words[i].covered = true;
      if (is_special(model, m.concept_id)) filler[i] = true;
    }
    if (is_special(model, m.concept_id)) continue;
    feature f = (m.negated ? feature_negated_concept : feature_concept) | m.concept_id;
    msg.sentence_features[msg.words[m.begin].sentence].push_back(f);
  }
  for (std::uint32_t i = 0; i < msg.words.size(); ++i) {
    const auto& w = msg.words[i];
    if (w.punct || w.covered || filler[i]) continue;
    msg.sentence_features[w.sentence].push_back(feature_stem | (w.stem & feature_id_mask));
  }
  for (auto& s : msg.sentence_features) {
    std::sort(s.begin(), s.end());
    s.erase(std::unique(s.begin(), s.end()), s.end());
    msg.features.insert(msg.features.end(), s.begin(), s.end());
  }
  std::sort(msg.features.begin(), msg.features.end());
  msg.features.erase(std::unique(msg.features.begin(), msg.features.end()), msg.features.end());
}

}  // namespace

prepared_message prepare_message(const understanding_model& model, std::string_view text, stemmer& stem,
                                 bool correct_spelling, std::size_t max_bytes) {
  prepared_message msg(model.stems.end_id());
  msg.normalized = normalize_text(text, max_bytes);
  std::uint32_t sentence = 0;
  for (auto& token : tokenize(msg.normalized)) {
    prepared_word w;
    w.sentence = sentence;
    if (token.type == token_type::punct) {
      w.punct = true;
      w.text = std::move(token.text);
      if (w.text == "." || w.text == "?" || w.text == "!" || w.text == ";") ++sentence;
      msg.words.push_back(std::move(w));
      continue;
    }
    w.text = std::move(token.text);
    auto known = model.stem_of_word.find(w.text);
    if (known == model.stem_of_word.end() && correct_spelling && model.spelling && token.type == token_type::word &&
        !model.dictionary.count(w.text)) {
      if (auto fixed = model.spelling->correct(w.text)) {
        w.corrected = *fixed;
        known = model.stem_of_word.find(*fixed);
      }
    }
    if (known != model.stem_of_word.end()) {
      w.stem = known->second;
    } else {
      std::string s = stem.stem(w.corrected.empty() ? w.text : w.corrected);
      auto id = model.stems.find(s);
      w.stem = id ? *id : msg.unknown_stems.intern(s);
    }
    msg.words.push_back(std::move(w));
  }
  // A trailing sentence break leaves an empty sentence behind; keep numbering dense.
  marker(model, msg).run();
  mark_negation(model, msg);
  collect_features(model, msg);
  return msg;
}

}  // namespace advisor::engine::detail
