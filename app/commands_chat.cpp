// `advisor ask`, `advisor chat` and `advisor test`: the assistant in the terminal, for testing
// knowledge offline exactly as visitors will meet it.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "advisor/engine/conversation_test.hpp"
#include "advisor/engine/responder.hpp"
#include "advisor/loader/knowledge_dir.hpp"
#include "command_line.hpp"
#include "commands.hpp"

namespace advisor::app {
namespace {

using nlohmann::json;

std::shared_ptr<const engine::rule_base> load_or_report(const command_line& cl) {
  auto base = loader::load_knowledge_dir(cl.get("knowledge", default_knowledge_dir()));
  if (!base) {
    std::cerr << engine::to_string(base.errors());
    return nullptr;
  }
  return *base;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void print_reply(const engine::answer& a, bool explain) {
  std::cout << a.text << "\n";
  if (!a.suggestions.empty()) {
    std::cout << "\n";
    for (const auto& s : a.suggestions) std::cout << "  [" << s << "]\n";
  }
  if (!explain) return;
  const auto& t = a.trace;
  std::cout << "\n--- how it was read ---\n";
  std::cout << "normalized: " << t.normalized << "\n";
  for (const auto& c : t.corrections) std::cout << "corrected:  " << c << "\n";
  std::cout << "concepts:   ";
  for (const auto& c : t.concepts) std::cout << c << "  ";
  std::cout << "\nintents:    ";
  for (std::size_t i = 0; i < t.intents.size() && i < 5; ++i)
    std::cout << t.intents[i].first << " " << std::to_string(t.intents[i].second).substr(0, 4) << "  ";
  std::cout << "\nfacts:\n";
  for (const auto& f : t.facts) std::cout << "  " << f << "\n";
  std::cout << "topics:     ";
  for (std::size_t i = 0; i < a.topics.size(); ++i)
    std::cout << a.topics[i] << (a.rules[i].empty() ? "" : " (rule " + a.rules[i] + ")") << "  ";
  std::cout << "\nconfidence: " << a.confidence << (a.clarifying ? "  (asking which was meant)" : "") << "\n";
  if (!t.chains.empty()) std::cout << "why:\n";
  for (const auto& c : t.chains) std::cout << c;
}

}  // namespace

// `advisor ask` answers once and exits: the exit frees the knowledge at once, where its
// destructors took 6 ms (13%) of the start-up, whose bar is 50 ms. Held from a global, it stays
// reachable, so leak checkers do not count it, and the compiler cannot drop the store.
const std::shared_ptr<const engine::rule_base>* knowledge_kept_until_exit = nullptr;

int run_ask(const args& a) {
  command_line cl(a, {"knowledge", "context"}, {"explain", "json"});
  if (!cl.ok() || cl.positional().empty()) {
    std::cerr << "advisor ask: " << (cl.ok() ? "say what to ask: advisor ask \"can I pop them?\"" : cl.error()) << "\n";
    return 2;
  }
  auto base = load_or_report(cl);
  if (!base) return 2;
  knowledge_kept_until_exit = new std::shared_ptr<const engine::rule_base>(base);
  engine::responder r(base);
  engine::conversation_context context;
  if (cl.has("context")) {
    auto j = json::parse(cl.get("context"), nullptr, false);
    if (j.is_discarded()) {
      std::cerr << "advisor ask: --context is not valid JSON\n";
      return 2;
    }
    context = engine::conversation_context::from_json(j);
  }
  std::string text;
  for (const auto& p : cl.positional()) text += (text.empty() ? "" : " ") + p;
  auto answer = r.ask(text, context, cl.has("explain"));
  if (cl.has("json")) {
    std::cout << dump(answer.to_json()) << "\n";
  } else {
    print_reply(answer, cl.has("explain"));
  }
  return 0;
}

int run_chat(const args& a) {
  command_line cl(a, {"knowledge"}, {"json", "explain"});
  if (!cl.ok()) {
    std::cerr << "advisor chat: " << cl.error() << "\n";
    return 2;
  }
  auto base = load_or_report(cl);
  if (!base) return 2;
  engine::responder r(base);
  if (cl.has("json")) {
    // One request per line in, one answer per line out, in order; each session id keeps its own
    // context. Only answer lines go to stdout.
    constexpr std::size_t max_sessions = 100'000;
    std::map<std::string, engine::conversation_context> contexts;
    std::string line;
    while (std::getline(std::cin, line)) {
      auto j = json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("text") || !j["text"].is_string()) {
        std::cout << dump({{"error", {{"code", "bad_request"},
                                      {"message", "expected {\"session\": \"ID\", \"text\": \"...\"}"}}}})
                  << "\n" << std::flush;
        continue;
      }
      std::string session = j.contains("session") && j["session"].is_string() ? j["session"].get<std::string>() : "";
      if (contexts.size() >= max_sessions && !contexts.count(session)) contexts.clear();
      auto& context = contexts[session];
      auto answer = r.ask(j["text"].get<std::string>(), context);
      context = answer.context;
      std::cout << dump(answer.to_json()) << "\n" << std::flush;
    }
    return 0;
  }
  bool tty = isatty(STDIN_FILENO) != 0;
  auto hello = r.hello();
  if (!hello.text.empty()) std::cout << hello.text << "\n";
  for (const auto& s : hello.suggestions) std::cout << "  [" << s << "]\n";
  engine::conversation_context context;
  std::string line;
  while (true) {
    if (tty) std::cout << "\nyou> " << std::flush;
    if (!std::getline(std::cin, line)) break;
    if (line == "/quit" || line == "/exit") break;
    if (line == "/reset") {
      context = {};
      continue;
    }
    auto answer = r.ask(line, context, cl.has("explain"));
    context = answer.context;
    std::cout << "\n";
    print_reply(answer, cl.has("explain"));
  }
  return 0;
}

int run_test(const args& a) {
  command_line cl(a, {"knowledge", "tests"}, {});
  if (!cl.ok()) {
    std::cerr << "advisor test: " << cl.error() << "\n";
    return 2;
  }
  auto base = load_or_report(cl);
  if (!base) return 2;
  namespace fs = std::filesystem;
  fs::path dir = cl.has("tests") ? fs::path(cl.get("tests")) : fs::path(cl.get("knowledge", default_knowledge_dir())) / "tests";
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".test") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "advisor test: no .test files in " << dir << "\n";
    return 2;
  }
  std::vector<engine::conversation> conversations;
  bool bad = false;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = engine::parse_conversations(f.string(), text.str());
    if (!parsed) {
      std::cerr << engine::to_string(parsed.errors());
      bad = true;
      continue;
    }
    conversations.insert(conversations.end(), parsed->begin(), parsed->end());
  }
  if (bad) return 2;
  engine::responder r(base);
  auto report = engine::run_conversations(r, conversations);
  for (const auto& f : report.failures) std::cout << f << "\n";
  std::vector<std::string> unexercised;
  for (const auto& name : base->rule_names())
    if (!report.rules_fired.count(name)) unexercised.push_back(name);
  if (!unexercised.empty()) {
    std::cout << "rules no test exercised (" << unexercised.size() << "):";
    for (const auto& n : unexercised) std::cout << " " << n;
    std::cout << "\n";
  }
  std::cout << report.passed << " passed, " << report.failed << " failed\n";
  return report.failed == 0 ? 0 : 1;
}

}  // namespace advisor::app
