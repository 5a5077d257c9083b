// `advisor check` and `advisor run`: the rule engine on its own, for testing rules offline.

#include <iostream>

#include "advisor/engine/knowledge_check.hpp"
#include "advisor/engine/session.hpp"
#include "advisor/loader/knowledge_dir.hpp"
#include "command_line.hpp"
#include "commands.hpp"

namespace advisor::app {
namespace {

// Parses "relation slot: value slot: value" into a fact for session::assert_fact.
bool parse_fact(const std::string& text, std::string& relation, engine::slot_values& slots, std::string& error) {
  std::vector<std::string> words;
  std::string word;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') {
      quoted = !quoted;
      word += c;
    } else if (c == ' ' && !quoted) {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(word);
  if (words.empty()) {
    error = "empty fact";
    return false;
  }
  relation = words[0];
  for (std::size_t i = 1; i < words.size(); i += 2) {
    if (words[i].empty() || words[i].back() != ':' || i + 1 >= words.size()) {
      error = "expected `slot: value` after '" + words[i - 1] + "' in: " + text;
      return false;
    }
    std::string name = words[i].substr(0, words[i].size() - 1);
    const std::string& v = words[i + 1];
    char* end = nullptr;
    double n = std::strtod(v.c_str(), &end);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
      slots.emplace_back(name, engine::value::string(v.substr(1, v.size() - 2)));
    } else if (!v.empty() && end == v.c_str() + v.size()) {
      slots.emplace_back(name, engine::value(n));
    } else {
      slots.emplace_back(name, engine::value::symbol(v));
    }
  }
  return true;
}

}  // namespace

std::string default_knowledge_dir() { return ADVISOR_DEFAULT_KNOWLEDGE; }

int run_check(const args& a) {
  command_line cl(a, {"knowledge"}, {});
  if (!cl.ok()) {
    std::cerr << "advisor check: " << cl.error() << "\n";
    return 2;
  }
  auto base = loader::load_knowledge_dir(cl.get("knowledge", default_knowledge_dir()));
  if (!base) {
    std::cerr << engine::to_string(base.errors());
    return 1;
  }
  auto diagnostics = (*base)->warnings();
  auto deeper = engine::check_knowledge(**base);
  diagnostics.insert(diagnostics.end(), deeper.begin(), deeper.end());
  std::cout << engine::to_string(diagnostics);
  if (engine::has_errors(diagnostics)) return 1;
  std::cout << "knowledge ok: " << (*base)->rule_count() << " rules\n";
  return 0;
}

int run_facts(const args& a) {
  command_line cl(a, {"knowledge", "fact", "limit"}, {"explain"});
  if (!cl.ok()) {
    std::cerr << "advisor run: " << cl.error() << "\n";
    return 2;
  }
  auto base = loader::load_knowledge_dir(cl.get("knowledge", default_knowledge_dir()));
  if (!base) {
    std::cerr << engine::to_string(base.errors());
    return 2;
  }
  engine::session s(*base);
  for (const auto& text : cl.all("fact")) {
    std::string relation, error;
    engine::slot_values slots;
    if (!parse_fact(text, relation, slots, error)) {
      std::cerr << "advisor run: " << error << "\n";
      return 2;
    }
    auto id = s.assert_fact(relation, slots);
    if (!id) {
      std::cerr << engine::to_string(id.errors());
      return 2;
    }
  }
  auto report = s.run(std::stoul(cl.get("limit", std::to_string(engine::session::default_firing_limit))));
  if (!report) {
    std::cerr << engine::to_string(report.errors());
    return 1;
  }
  for (const auto& f : s.facts()) std::cout << "fact " << f.to_string() << "\n";
  for (const auto& o : s.outputs()) {
    std::cout << "output " << o.name << " " << o.val.to_string() << "\n";
    if (cl.has("explain")) std::cout << s.why(o.id)->to_string();
  }
  std::cout << report->fired << " rules fired\n";
  return 0;
}

}  // namespace advisor::app
