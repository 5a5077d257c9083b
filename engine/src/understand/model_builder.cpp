#include "understand/model_builder.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "nlu/normalize.hpp"
#include "nlu/speller.hpp"
#include "nlu/stemmer.hpp"
#include "nlu/tokenize.hpp"
#include "rule_base_data.hpp"
#include "understand/prepare.hpp"
#include "util/edit_distance.hpp"

namespace advisor::engine::detail {
namespace {

constexpr std::string_view known_settings[] = {
    "confidence-floor", "ambiguity-margin", "context-boost", "entity-memory", "max-topics", "max-suggestions",
    "fallback-topic",   "disclaimer",       "clarify",       "hello",         "hello-suggestion", "topic-output"};
constexpr std::string_view list_settings[] = {"hello-suggestion"};

class builder {
 public:
  builder(const std::vector<ast_file>& files, const rule_base_data& rules, const report_fn& report)
      : files_(files), rules_(rules), report_(report), model_(std::make_shared<understanding_model>()) {}

  std::shared_ptr<const understanding_model> run() {
    declare_concepts();
    add_words();
    compile_terms();
    compile_intents();
    compile_answers();
    compile_settings();
    build_speller();
    check_rule_references();
    return model_;
  }

 private:
  void error(const source_pos& at, std::string code, std::string message, std::string hint = {}) {
    report_(severity::error, at, std::move(code), std::move(message), std::move(hint));
  }
  void warn(const source_pos& at, std::string code, std::string message, std::string hint = {}) {
    report_(severity::warning, at, std::move(code), std::move(message), std::move(hint));
  }
  static std::string did_you_mean(std::string_view word, const std::vector<std::string>& names) {
    auto n = nearest(word, names);
    return n.empty() ? std::string() : "did you mean '" + n + "'?";
  }

  // Normalized words of a piece of knowledge text, each interned with its stem.
  std::vector<std::uint32_t> stems_of(std::string_view text) {
    std::vector<std::uint32_t> out;
    for (const auto& token : tokenize(normalize_text(text, 1u << 16))) {
      if (token.type == token_type::punct) continue;
      out.push_back(learn(token.text));
    }
    return out;
  }
  std::uint32_t learn(const std::string& word) {
    ++frequency_[word];
    if (auto it = model_->stem_of_word.find(word); it != model_->stem_of_word.end()) return it->second;
    auto id = model_->stems.intern(stemmer_.stem(word));
    model_->stem_of_word.emplace(word, id);
    return id;
  }

  void declare_concepts() {
    for (const auto& file : files_)
      for (const auto& c : file.concepts) {
        if (model_->concept_by_name.count(c.name.text)) {
          const auto& prev = model_->concepts[model_->concept_by_name[c.name.text]];
          error(c.name.pos, "knowledge.duplicate_concept", "concept '" + c.name.text + "' is defined twice",
                "the first is at " + where(prev.pos) + "; add the words to that one");
          continue;
        }
        model_->concept_by_name.emplace(c.name.text, static_cast<std::uint32_t>(model_->concepts.size()));
        model_->concepts.push_back({c.name.text, c.entity_type, c.name.pos});
      }
    auto special = [&](const char* name) {
      auto it = model_->concept_by_name.find(name);
      return it == model_->concept_by_name.end() ? no_index : it->second;
    };
    model_->negation = special("negation");
    model_->clause_break = special("clause-break");
    model_->filler = special("filler");
    model_->conjunction = special("conjunction");
  }

  std::string where(const source_pos& p) const {
    return (p.file < rules_.files.size() ? rules_.files[p.file] : std::string("?")) + ":" + std::to_string(p.line);
  }

  void add_words() {
    for (const auto& file : files_) {
      for (const auto& w : file.words) stems_of(w.text);
      model_->dictionary.insert(file.dictionary.begin(), file.dictionary.end());
    }
  }

  std::vector<std::string> concept_names() const {
    std::vector<std::string> names;
    for (const auto& c : model_->concepts) names.push_back(c.name);
    return names;
  }

  void compile_terms() {
    for (const auto& file : files_)
      for (const auto& c : file.concepts) {
        auto owner = model_->concept_by_name.at(c.name.text);
        if (model_->concepts[owner].pos.line != c.name.pos.line || model_->concepts[owner].pos.file != c.name.pos.file)
          continue;  // a duplicate, reported already
        for (const auto& term : c.terms) compile_term(owner, term);
      }
  }

  // The space-separated pieces of a term or cue: `~name` is a concept, anything else words
  // (stemmed). False after reporting an unknown concept.
  bool read_elements(const ast_text& text, std::vector<term_element>& out) {
    const std::string& s = text.text;
    std::size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && s[i] == ' ') ++i;
      std::size_t j = s.find(' ', i);
      if (j == std::string::npos) j = s.size();
      std::string piece = s.substr(i, j - i);
      if (!piece.empty() && piece[0] == '~') {
        std::string name = piece.substr(1);
        auto it = model_->concept_by_name.find(name);
        if (it == model_->concept_by_name.end()) {
          source_pos at{text.pos.file, text.pos.line, text.pos.column + static_cast<int>(i)};
          std::string hint = did_you_mean(name, concept_names());
          error(at, "knowledge.unknown_concept", "unknown concept '~" + name + "'",
                hint.empty() ? "define it with `concept " + name + ": ...`" : hint);
          return false;
        }
        used_concepts_.insert(it->second);
        out.push_back({true, it->second});
      } else if (!piece.empty()) {
        for (auto stem : stems_of(piece)) out.push_back({false, stem});
      }
      i = j;
    }
    return true;
  }

  void compile_term(std::uint32_t owner, const ast_text& term) {
    concept_term t;
    t.owner = owner;
    if (!read_elements(term, t.elements)) return;
    if (t.elements.empty()) {
      warn(term.pos, "knowledge.empty_term", "'" + term.text + "' has no words the assistant can read");
      return;
    }
    auto id = static_cast<std::uint32_t>(model_->terms.size());
    const auto& first = t.elements.front();
    (first.is_concept ? model_->terms_by_first_concept : model_->terms_by_first_stem)[first.id].push_back(id);
    model_->terms.push_back(std::move(t));
  }

  void compile_intents() {
    std::set<std::string> seen;
    // Words of examples are vocabulary too: learn them all before reading any example.
    for (const auto& file : files_)
      for (const auto& intent : file.intents) {
        for (const auto& e : intent.examples) stems_of(e.text);
        if (intent.ask) stems_of(intent.ask->text);
      }
    for (const auto& file : files_)
      for (const auto& ast : file.intents) {
        if (!seen.insert(ast.name.text).second) {
          error(ast.name.pos, "knowledge.duplicate_intent", "intent '" + ast.name.text + "' is defined twice");
          continue;
        }
        if (ast.examples.empty() && ast.cues.empty()) {
          error(ast.name.pos, "knowledge.intent_without_examples", "intent '" + ast.name.text + "' has no `example:` or `cue:`",
                "add a few questions a visitor would ask, each on an `example:` line");
          continue;
        }
        intent_info intent;
        intent.name = ast.name.text;
        intent.pos = ast.name.pos;
        intent.follow_up = ast.follow_up;
        intent.ask = ast.ask ? ast.ask->text : std::string();
        for (const auto& e : ast.examples) {
          auto msg = prepare_message(*model_, e.text, stemmer_, false, 1u << 16);
          if (msg.features.empty()) {
            warn(e.pos, "knowledge.empty_example", "this example has only filler words, so it can't match anything");
            continue;
          }
          intent.examples.push_back({e.text, msg.features, 0, e.pos});
        }
        for (const auto& cue : ast.cues) {
          std::vector<feature> features;
          if (!compile_cue(cue, features)) continue;
          std::sort(features.begin(), features.end());
          features.erase(std::unique(features.begin(), features.end()), features.end());
          intent.cues.push_back(std::move(features));
        }
        model_->intents.push_back(std::move(intent));
      }
    weigh_features();
  }

  bool compile_cue(const ast_text& cue, std::vector<feature>& out) {
    std::vector<term_element> elements;
    if (!read_elements(cue, elements)) return false;
    for (const auto& e : elements) out.push_back((e.is_concept ? feature_concept : feature_stem) | e.id);
    if (out.empty()) {
      error(cue.pos, "knowledge.empty_cue", "this cue names nothing to look for");
      return false;
    }
    return true;
  }

  // A feature found in few intents says more about which intent is meant: inverse document
  // frequency over intents.
  void weigh_features() {
    std::map<feature, std::set<std::uint32_t>> intents_with;
    for (std::uint32_t i = 0; i < model_->intents.size(); ++i) {
      for (const auto& e : model_->intents[i].examples)
        for (auto f : e.features) intents_with[f].insert(i);
      for (const auto& cue : model_->intents[i].cues)
        for (auto f : cue) intents_with[f].insert(i);
    }
    double n = static_cast<double>(model_->intents.size());
    double sum = 0;
    for (const auto& [f, in] : intents_with) {
      double w = std::log(1.0 + n / static_cast<double>(in.size()));
      model_->weights[f] = w;
      sum += w;
    }
    model_->unknown_weight = intents_with.empty() ? 1.0 : sum / static_cast<double>(intents_with.size());
    for (std::uint32_t i = 0; i < model_->intents.size(); ++i) {
      auto& intent = model_->intents[i];
      model_->example_base.push_back(model_->example_count);
      for (std::uint32_t x = 0; x < intent.examples.size(); ++x) {
        auto& e = intent.examples[x];
        for (auto f : e.features) {
          e.weight += model_->weights[f];
          model_->postings[f].emplace_back(i, x);
        }
        ++model_->example_count;
      }
    }
  }

  void compile_answers() {
    for (const auto& file : files_)
      for (const auto& a : file.answers) {
        if (model_->answers.count(a.topic.text)) {
          error(a.topic.pos, "knowledge.duplicate_answer", "topic '" + a.topic.text + "' has two answers");
          continue;
        }
        answer_info info;
        info.pos = a.topic.pos;
        for (const auto& t : a.texts) {
          check_placeholders(t);
          info.text += (info.text.empty() ? "" : " ") + t.text;
        }
        for (const auto& s : a.suggestions) info.suggestions.push_back(s.text);
        model_->answers.emplace(a.topic.text, std::move(info));
      }
  }

  // {relation.slot} must name a declared relation and slot.
  void check_placeholders(const ast_text& t) {
    std::size_t open = t.text.find('{');
    while (open != std::string::npos) {
      std::size_t close = t.text.find('}', open);
      source_pos at{t.pos.file, t.pos.line, t.pos.column + static_cast<int>(open)};
      if (close == std::string::npos) {
        error(at, "knowledge.bad_placeholder", "'{' is not closed with '}'", "placeholders look like {shop.phone}");
        return;
      }
      std::string inside = t.text.substr(open + 1, close - open - 1);
      auto dot = inside.find('.');
      auto rel = dot == std::string::npos ? no_index : rules_.find_relation(inside.substr(0, dot));
      if (rel == no_index || rules_.relations[rel].slot_index(inside.substr(dot + 1)) == no_index) {
        error(at, "knowledge.bad_placeholder", "'{" + inside + "}' does not name a relation's slot",
              "placeholders look like {shop.phone}, with `relation shop: phone` declared and a `fact shop ...`");
      }
      open = t.text.find('{', close);
    }
  }

  void compile_settings() {
    for (const auto& file : files_)
      for (const auto& s : file.settings) {
        const std::string& name = s.name.text;
        bool known = std::find(std::begin(known_settings), std::end(known_settings), name) != std::end(known_settings) ||
                     name.rfind("contact-", 0) == 0;  // contact-phone, contact-email...: for the chat's "reach us" link
        if (!known) {
          std::vector<std::string> names(std::begin(known_settings), std::end(known_settings));
          warn(s.name.pos, "knowledge.unknown_setting", "unknown setting '" + name + "'", did_you_mean(name, names));
          continue;
        }
        check_placeholders(s.value);
        bool is_list = std::find(std::begin(list_settings), std::end(list_settings), name) != std::end(list_settings);
        if (is_list) {
          model_->list_settings[name].push_back(s.value.text);
        } else {
          model_->settings[name] = s.value.text;
        }
      }
    for (const char* number : {"confidence-floor", "ambiguity-margin", "context-boost", "entity-memory", "max-topics",
                               "max-suggestions"}) {
      auto v = model_->setting(number);
      if (!v) continue;
      char* end = nullptr;
      std::strtod(v->c_str(), &end);
      if (end != v->c_str() + v->size()) {
        for (const auto& file : files_)
          for (const auto& s : file.settings)
            if (s.name.text == number) error(s.value.pos, "knowledge.bad_setting", "setting '" + std::string(number) + "' takes a number");
      }
    }
  }

  void build_speller() {
    std::vector<std::pair<std::string, std::uint32_t>> words;
    for (const auto& [word, stem] : model_->stem_of_word) {
      bool has_letter = std::any_of(word.begin(), word.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
      if (has_letter) words.emplace_back(word, frequency_[word]);
    }
    std::sort(words.begin(), words.end());
    model_->spelling = std::make_shared<const speller>(std::move(words));
  }

  // Rules name intents, concepts, entities and topics by value; a typo there would silently
  // never match, so each must exist.
  void check_rule_references() {
    std::vector<std::string> intent_names, topic_names;
    for (const auto& i : model_->intents) intent_names.push_back(i.name);
    for (const auto& [t, a] : model_->answers) topic_names.push_back(t);
    std::set<std::string> emitted;
    std::string topic_output = model_->setting("topic-output").value_or("topic");
    for (const auto& file : files_)
      for (const auto& rule : file.rules) {
        for (const auto& c : rule.conditions) {
          if (!c.pattern) continue;
          const auto& p = *c.pattern;
          for (const auto& slot : p.slots) {
            if (slot.value.type == ast_value::kind::variable) continue;
            const std::string& v = slot.value.text;
            if ((p.relation.text == "intent" && slot.name.text == "name") ||
                (p.relation.text == "previous-intent" && slot.name.text == "name")) {
              if (std::find(intent_names.begin(), intent_names.end(), v) == intent_names.end())
                error(slot.value.pos, "knowledge.unknown_intent", "no intent is named '" + v + "'", did_you_mean(v, intent_names));
            } else if (p.relation.text == "mention" && slot.name.text == "concept") {
              auto it = model_->concept_by_name.find(v);
              if (it == model_->concept_by_name.end()) {
                error(slot.value.pos, "knowledge.unknown_concept", "no concept is named '" + v + "'", did_you_mean(v, concept_names()));
              } else {
                used_concepts_.insert(it->second);
              }
            } else if (p.relation.text == "entity" && slot.name.text == "value") {
              auto it = model_->concept_by_name.find(v);
              if (it == model_->concept_by_name.end() || model_->concepts[it->second].entity_type.empty()) {
                error(slot.value.pos, "knowledge.unknown_entity", "no entity has the value '" + v + "'", did_you_mean(v, concept_names()));
              } else {
                used_concepts_.insert(it->second);
              }
            } else if (p.relation.text == "previous-topic" && slot.name.text == "name") {
              if (!model_->answers.count(v))
                error(slot.value.pos, "knowledge.unknown_topic", "no answer is written for topic '" + v + "'", did_you_mean(v, topic_names));
            }
          }
          // Variables compared with `in (...)` are checked loosely: sets are free-form.
        }
        for (const auto& a : rule.actions) {
          if (a.verb.text != "emit" || a.args.size() != 2 || a.args[0].text != topic_output) continue;
          const auto& v = a.args[1];
          if (v.type == ast_value::kind::variable) continue;
          emitted.insert(v.text);
          if (!model_->answers.count(v.text))
            error(v.pos, "knowledge.topic_without_answer", "topic '" + v.text + "' has no answer text",
                  did_you_mean(v.text, topic_names).empty() ? "write one: `answer " + v.text + "` with `text:` lines"
                                                            : did_you_mean(v.text, topic_names));
        }
      }
    for (const auto& [topic, a] : model_->answers) {
      std::string fallback = model_->setting("fallback-topic").value_or("fallback");
      if (!emitted.count(topic) && topic != fallback)
        warn(a.pos, "knowledge.unused_answer", "no rule emits topic '" + topic + "', so this answer is never shown");
    }
    for (std::uint32_t c = 0; c < model_->concepts.size(); ++c) {
      if (c == model_->negation || c == model_->clause_break || c == model_->filler || c == model_->conjunction) continue;
      if (!used_concepts_.count(c) && !used_in_examples(c))
        warn(model_->concepts[c].pos, "knowledge.unused_concept",
             "concept '" + model_->concepts[c].name + "' is not used by any rule, intent or other concept");
    }
  }

  bool used_in_examples(std::uint32_t c) const {
    feature f = feature_concept | c, g = feature_negated_concept | c;
    return model_->weights.count(f) || model_->weights.count(g);
  }

  const std::vector<ast_file>& files_;
  const rule_base_data& rules_;
  const report_fn& report_;
  std::shared_ptr<understanding_model> model_;
  stemmer stemmer_;
  std::map<std::string, std::uint32_t> frequency_;
  std::set<std::uint32_t> used_concepts_;
};

}  // namespace

const std::vector<builtin_relation>& understanding_relations() {
  static const std::vector<builtin_relation> relations = {
      {"intent", {"name", "score", "rank"}},
      {"mention", {"concept", "negated"}},
      {"entity", {"type", "value", "from"}},
      {"previous-topic", {"name"}},
      {"previous-intent", {"name"}},
  };
  return relations;
}

std::shared_ptr<const understanding_model> build_model(const std::vector<ast_file>& files, const rule_base_data& rules,
                                                       const report_fn& report) {
  return builder(files, rules, report).run();
}

double understanding_model::number_setting(const std::string& name, double fallback) const {
  auto v = setting(name);
  if (!v) return fallback;
  char* end = nullptr;
  double d = std::strtod(v->c_str(), &end);
  return end == v->c_str() + v->size() ? d : fallback;
}

}  // namespace advisor::engine::detail
