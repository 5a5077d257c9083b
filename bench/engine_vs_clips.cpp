// The engine's side of the engine-vs-CLIPS benchmark. ../shared/bench/gen.py writes the MATCH and
// CHAIN workloads as neutral JSON (with the firings a correct engine must produce) next to their
// CLIPS form; this driver translates the same rules into our knowledge language, runs them, checks
// every firing count against expected.json, and prints one line of key=value pairs per measurement
// for bench/engine-vs-clips to set beside CLIPS's figures.
//
// Usage: engine_vs_clips WORKDIR [--repeat N] [--match 1000,10000] [--chain 1000,10000]
//   MATCH R: load match_R.json; per question of questions.json: a fresh working memory, its 10
//            facts, run to quiescence. Questions per second over all questions, with session::reset()
//            (as CLIPS's (reset)) and, for comparison, with a brand-new session per question.
//   CHAIN N: load chain_N.json's 4N rules (time: read + compile), then a new session, the two
//            profile facts and step n: 1, run to quiescence (3N firings).
// Every figure is the median of --repeat runs (default 5). The translated knowledge is left in
// WORKDIR as match_R.rules and chain_N.rules.
// Exit status: 0 when every firing count is right, 1 when one is wrong, 2 on bad input or usage.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "advisor/engine/knowledge.hpp"
#include "advisor/engine/session.hpp"

namespace {

namespace fs = std::filesystem;
namespace eng = advisor::engine;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

constexpr int default_repeat = 5;
constexpr std::size_t no_firing_limit = std::numeric_limits<std::size_t>::max();

// Bad input (a missing file, a workload this driver can't translate): exit status 2.
struct input_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

double seconds_since(steady::time_point start) {
  return std::chrono::duration<double>(steady::now() - start).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw input_error("cannot write " + path.string());
}

json read_json(const fs::path& path) {
  json j = json::parse(read_text(path), nullptr, false);
  if (j.is_discarded()) throw input_error(path.string() + " is not valid JSON");
  return j;
}

// gen.py's names and values are written bare into the knowledge text, so each must read back as
// one plain word: letters, digits, '-' and '_' only, not a number, and not a word the parser
// treats specially inside a pattern.
bool is_plain_word(std::string_view s) {
  if (s.empty() || s == "as" || s == "not") return false;
  bool has_letter = false;
  for (char c : s) {
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool digit = c >= '0' && c <= '9';
    if (!letter && !digit && c != '-' && c != '_') return false;
    has_letter = has_letter || letter;
  }
  return has_letter;
}

const std::string& word(const json& j) {
  if (!j.is_string() || !is_plain_word(j.get_ref<const std::string&>()))
    throw input_error("not a plain word: " + j.dump());
  return j.get_ref<const std::string&>();
}

// "s12" with prefix "s" -> 12.
std::optional<long> numbered(std::string_view name, std::string_view prefix) {
  if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) return std::nullopt;
  long n = 0;
  for (char c : name.substr(prefix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

// --- translation into the knowledge language ---

// MATCH: every condition is `attr name: A value: V`; every rule adds its own advice fact, like
// the CLIPS file's (assert (advice (id i))).
std::string match_knowledge(const json& workload) {
  std::string out =
      "relation attr: name, value\n"
      "relation advice: id\n";
  std::size_t id = 0;
  for (const auto& rule : workload.at("rules")) {
    ++id;
    out += "\nrule " + word(rule.at("name")) + "\n  when\n";
    for (const auto& cond : rule.at("conds"))
      out += "    attr name: " + word(cond.at(0)) + " value: " + word(cond.at(1)) + "\n";
    out += "  then\n    remember advice id: " + std::to_string(id) + "\n";
  }
  return out;
}

// CHAIN: the neutral form names propositions (s3, adv3_2, skin=dry); the CLIPS file and this
// translation use step(n), profile(k, v) and advice(n, k).
std::string chain_pattern(const json& cond) {
  const std::string& name = word(cond.at(0));
  if (auto n = numbered(name, "s"); n && cond.at(1).is_boolean()) return "step n: " + std::to_string(*n);
  return "profile k: " + name + " v: " + word(cond.at(1));
}

std::string chain_fact(const json& fact) {
  const std::string& name = word(fact.at(0));
  if (auto n = numbered(name, "s")) return "step n: " + std::to_string(*n);
  if (name.rfind("adv", 0) == 0) {
    auto sep = name.find('_');
    auto n = numbered(name.substr(0, sep), "adv");
    auto k = sep == std::string::npos ? std::nullopt : numbered(name.substr(sep), "_");
    if (n && k) return "advice n: " + std::to_string(*n) + " k: " + std::to_string(*k);
  }
  throw input_error("unexpected CHAIN fact: " + fact.dump());
}

std::string chain_knowledge(const json& workload) {
  std::string out =
      "relation step: n\n"
      "relation profile: k, v\n"
      "relation advice: n, k\n";
  for (const auto& rule : workload.at("rules")) {
    out += "\nrule " + word(rule.at("name")) + "\n  when\n";
    for (const auto& cond : rule.at("conds")) out += "    " + chain_pattern(cond) + "\n";
    out += "  then\n    remember " + chain_fact(rule.at("adds")) + "\n";
  }
  return out;
}

// --- measurements ---

struct loaded {
  std::shared_ptr<const eng::rule_base> base;
  double load_s = 0;
};

// Times what CLIPS's (load) does: read the rules file and build the network.
loaded load(const fs::path& rules_file) {
  auto start = steady::now();
  auto base = eng::compile_knowledge(rules_file.string(), read_text(rules_file));
  double elapsed = seconds_since(start);
  if (!base) throw input_error(eng::to_string(base.errors()));
  return {std::move(*base), elapsed};
}

std::size_t fired_or_throw(const eng::result<eng::run_report>& run) {
  if (!run) throw input_error(eng::to_string(run.errors()));
  return run->fired;
}

using question = std::vector<eng::prepared_fact>;

std::vector<question> prepare_questions(const eng::rule_base& base, const json& questions) {
  std::vector<question> out;
  out.reserve(questions.size());
  for (const auto& q : questions) {
    question facts;
    for (const auto& pair : q) {
      auto f = eng::prepared_fact::make(base, "attr", {{"name", eng::value::symbol(pair.at(0).get<std::string>())},
                                                       {"value", eng::value::symbol(pair.at(1).get<std::string>())}});
      if (!f) throw input_error(eng::to_string(f.errors()));
      facts.push_back(std::move(*f));
    }
    out.push_back(std::move(facts));
  }
  return out;
}

// One question in a working memory that holds nothing else yet.
std::size_t ask(eng::session& s, const question& q) {
  for (const auto& f : q) s.assert_fact(f);
  return fired_or_throw(s.run());
}

struct match_count {
  std::size_t fired = 0;
  std::size_t advice = 0;  // advice facts left by each question, summed
};

// Untimed: the firings are real ones, each leaving its own advice fact.
match_count check_match(const std::shared_ptr<const eng::rule_base>& base, const std::vector<question>& questions) {
  eng::session s(base);
  match_count total;
  for (const auto& q : questions) {
    s.reset();
    total.fired += ask(s, q);
    total.advice += s.facts("advice").size();
  }
  return total;
}

bool report_count(std::string_view what, std::size_t got, std::size_t want) {
  if (got == want) return true;
  std::cerr << "engine_vs_clips: " << what << ": " << got << ", expected " << want << "\n";
  return false;
}

bool run_match(const fs::path& work, long rules, const json& questions_json, const json& expected, int repeat) {
  const std::string tag = "match_" + std::to_string(rules);
  const fs::path rules_file = work / (tag + ".rules");
  write_text(rules_file, match_knowledge(read_json(work / (tag + ".json"))));
  const auto want = expected.at(tag).at("firings_first_q").at(std::to_string(questions_json.size())).get<std::size_t>();

  std::vector<double> load_s;
  loaded kb;
  for (int i = 0; i < repeat; ++i) {
    kb = load(rules_file);
    load_s.push_back(kb.load_s);
  }
  // Facts are resolved against the rule base once, outside the timed loop, as CLIPS's driver
  // interns its symbols before timing.
  const auto questions = prepare_questions(*kb.base, questions_json);
  const match_count checked = check_match(kb.base, questions);
  bool ok = report_count(tag + " firings (check)", checked.fired, want);
  ok = report_count(tag + " advice facts", checked.advice, want) && ok;

  std::vector<double> reset_s, fresh_s;
  for (int i = 0; i < repeat; ++i) {
    std::size_t fired = 0;
    eng::session s(kb.base);
    auto start = steady::now();
    for (const auto& q : questions) {
      s.reset();
      fired += ask(s, q);
    }
    reset_s.push_back(seconds_since(start));
    ok = report_count(tag + " firings (reset)", fired, want) && ok;

    fired = 0;
    start = steady::now();
    for (const auto& q : questions) {
      eng::session fresh(kb.base);
      fired += ask(fresh, q);
    }
    fresh_s.push_back(seconds_since(start));
    ok = report_count(tag + " firings (new session)", fired, want) && ok;
  }

  const auto n = static_cast<double>(questions.size());
  const double run_s = median(reset_s), fresh = median(fresh_s);
  std::printf(
      "MATCH R=%ld advisor rules=%zu questions=%zu load_s=%.6f run_s=%.6f qps=%.1f us_per_q=%.3f "
      "new_session_run_s=%.6f new_session_qps=%.1f fired=%zu expected=%zu repeat=%d\n",
      rules, kb.base->rule_count(), questions.size(), median(load_s), run_s, n / run_s, 1e6 * run_s / n, fresh,
      n / fresh, checked.fired, want, repeat);
  std::fflush(stdout);
  return ok;
}

bool run_chain(const fs::path& work, long n, const json& expected, int repeat) {
  const std::string tag = "chain_" + std::to_string(n);
  const json workload = read_json(work / (tag + ".json"));
  const fs::path rules_file = work / (tag + ".rules");
  write_text(rules_file, chain_knowledge(workload));
  const auto want = expected.at(tag).at("firings").get<std::size_t>();

  if (numbered(word(workload.at("start").at(0)), "s") != 1) throw input_error(tag + ": CHAIN must start at s1");

  bool ok = true;
  std::vector<double> load_s, run_s;
  std::size_t rules = 0, fired = 0, advice = 0;
  for (int i = 0; i < repeat; ++i) {
    loaded kb = load(rules_file);
    load_s.push_back(kb.load_s);
    rules = kb.base->rule_count();

    // Timed like CLIPS's (reset), three asserts and (run).
    auto start = steady::now();
    eng::session s(kb.base);
    for (const auto& p : workload.at("profile")) {
      auto f = s.assert_fact("profile", {{"k", eng::value::symbol(word(p.at(0)))}, {"v", eng::value::symbol(word(p.at(1)))}});
      if (!f) throw input_error(eng::to_string(f.errors()));
    }
    if (auto f = s.assert_fact("step", {{"n", eng::value(1)}}); !f) throw input_error(eng::to_string(f.errors()));
    fired = fired_or_throw(s.run(no_firing_limit));
    run_s.push_back(seconds_since(start));

    advice = s.facts("advice").size();
    ok = report_count(tag + " firings", fired, want) && ok;
  }
  std::printf(
      "CHAIN N=%ld advisor rules=%zu load_s=%.6f run_s=%.6f total_s=%.6f fired=%zu expected=%zu advice=%zu "
      "repeat=%d\n",
      n, rules, median(load_s), median(run_s), median(load_s) + median(run_s), fired, want, advice, repeat);
  std::fflush(stdout);
  return ok;
}

std::vector<long> parse_sizes(std::string_view list) {
  std::vector<long> out;
  std::size_t at = 0;
  while (at < list.size()) {
    auto comma = list.find(',', at);
    auto item = list.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
    if (!item.empty()) {
      auto n = numbered(item, "");
      if (!n || *n == 0) throw input_error("not a size: " + std::string(item));
      out.push_back(*n);
    }
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return out;
}

int usage() {
  std::cerr << "usage: engine_vs_clips WORKDIR [--repeat N] [--match 1000,10000] [--chain 1000,10000]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  try {
    fs::path work = argv[1];
    int repeat = default_repeat;
    std::vector<long> match_sizes{1000, 10000}, chain_sizes{1000, 10000};
    for (int i = 2; i < argc; i += 2) {
      std::string_view flag = argv[i];
      if (i + 1 >= argc) return usage();
      std::string_view arg = argv[i + 1];
      if (flag == "--repeat") {
        auto sizes = parse_sizes(arg);
        if (sizes.size() != 1 || sizes[0] > 1000) return usage();
        repeat = static_cast<int>(sizes[0]);
      } else if (flag == "--match") {
        match_sizes = parse_sizes(arg);
      } else if (flag == "--chain") {
        chain_sizes = parse_sizes(arg);
      } else {
        return usage();
      }
    }

    const json expected = read_json(work / "expected.json");
    bool ok = true;
    if (!match_sizes.empty()) {
      const json questions = read_json(work / "questions.json");
      if (questions.size() != expected.at("questions").get<std::size_t>())
        throw input_error("questions.json and expected.json disagree on the number of questions");
      for (long r : match_sizes) ok = run_match(work, r, questions, expected, repeat) && ok;
    }
    for (long n : chain_sizes) ok = run_chain(work, n, expected, repeat) && ok;
    return ok ? 0 : 1;
  } catch (const std::exception& e) {  // input_error, or json::exception from a malformed workload
    std::cerr << "engine_vs_clips: " << e.what() << "\n";
    return 2;
  }
}
