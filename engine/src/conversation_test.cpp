#include "advisor/engine/conversation_test.hpp"

#include <algorithm>

namespace advisor::engine {
namespace {

std::string trim(std::string_view s) {
  std::size_t a = 0, b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r')) ++a;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r')) --b;
  return std::string(s.substr(a, b - a));
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= s.size()) {
    auto comma = s.find(',', i);
    if (comma == std::string::npos) comma = s.size();
    auto item = trim(std::string_view(s).substr(i, comma - i));
    if (!item.empty()) out.push_back(item);
    i = comma + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(none)" : out;
}

}  // namespace

result<std::vector<conversation>> parse_conversations(const std::string& file, std::string_view text) {
  std::vector<conversation> out;
  std::vector<diagnostic> errors;
  int line_no = 0;
  std::size_t pos = 0;
  auto fail = [&](int col, std::string code, std::string message, std::string_view line, std::string hint = {}) {
    diagnostic d;
    d.code = std::move(code);
    d.message = std::move(message);
    d.hint = std::move(hint);
    d.file = file;
    d.line = line_no;
    d.column = col;
    d.source_line = std::string(line);
    errors.push_back(std::move(d));
  };
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#') {
      if (end == text.size()) break;
      continue;
    }
    int col = static_cast<int>(raw.find_first_not_of(" \t")) + 1;
    if (line.rfind("conversation", 0) == 0 && (line.size() == 12 || line[12] == ' ')) {
      conversation c;
      c.name = trim(line.substr(12));
      c.file = file;
      c.line = line_no;
      out.push_back(std::move(c));
    } else {
      auto colon = line.find(':');
      std::string key = colon == std::string::npos ? line : trim(line.substr(0, colon));
      std::string rest = colon == std::string::npos ? std::string() : trim(line.substr(colon + 1));
      if (out.empty()) {
        fail(col, "test.no_conversation", "this line comes before any `conversation` line", raw,
             "start each test with `conversation NAME`");
      } else if (key == "visitor") {
        if (rest.empty()) {
          fail(col, "test.empty_visitor", "the visitor says nothing here", raw);
        } else {
          out.back().turns.push_back({rest, {}, false, {}, line_no});
        }
      } else if (key == "expect" || key == "expect only" || key == "not") {
        if (out.back().turns.empty()) {
          fail(col, "test.no_turn", "`" + key + "` needs a `visitor:` line above it", raw);
        } else if (key == "not") {
          auto items = split_list(rest);
          auto& m = out.back().turns.back().must_not;
          m.insert(m.end(), items.begin(), items.end());
        } else {
          auto& turn = out.back().turns.back();
          turn.expect = split_list(rest);
          turn.exact = key == "expect only";
          if (turn.expect.empty()) fail(col, "test.empty_expect", "`" + key + "` lists no topic", raw);
        }
      } else {
        fail(col, "test.unknown_line", "unknown line '" + key + "'", raw,
             "a test has `conversation NAME`, then `visitor:` lines each followed by `expect:` and optionally `not:`");
      }
    }
    if (end == text.size()) break;
  }
  for (const auto& c : out)
    for (const auto& t : c.turns)
      if (t.expect.empty() && t.must_not.empty()) {
        diagnostic d;
        d.code = "test.nothing_expected";
        d.message = "this visitor line has no `expect:` or `not:`, so it tests nothing";
        d.file = file;
        d.line = t.line;
        d.column = 1;
        errors.push_back(std::move(d));
      }
  if (!errors.empty()) return errors;
  return out;
}

conversation_report run_conversations(const responder& r, const std::vector<conversation>& conversations) {
  conversation_report report;
  for (const auto& c : conversations) {
    conversation_context context;
    for (const auto& turn : c.turns) {
      auto a = r.ask(turn.visitor, context);
      context = a.context;
      report.rules_fired.insert(a.rules_fired.begin(), a.rules_fired.end());
      report.topics_seen.insert(a.topics.begin(), a.topics.end());
      std::vector<std::string> problems;
      if (turn.exact) {
        if (a.topics != turn.expect) problems.push_back("expected exactly: " + join(turn.expect));
      } else if (!turn.expect.empty()) {
        if (a.topics.empty() || a.topics.front() != turn.expect.front())
          problems.push_back("expected first: " + turn.expect.front());
        for (const auto& t : turn.expect)
          if (std::find(a.topics.begin(), a.topics.end(), t) == a.topics.end()) problems.push_back("missing: " + t);
      }
      for (const auto& t : turn.must_not)
        if (std::find(a.topics.begin(), a.topics.end(), t) != a.topics.end()) problems.push_back("must not have: " + t);
      if (problems.empty()) {
        ++report.passed;
        continue;
      }
      ++report.failed;
      std::string diff = c.file + ":" + std::to_string(turn.line) + ": conversation '" + c.name + "'\n";
      diff += "  visitor: " + turn.visitor + "\n";
      diff += "  - expected: " + join(turn.expect) + (turn.must_not.empty() ? "" : "   not: " + join(turn.must_not)) + "\n";
      diff += "  + got:      " + join(a.topics) + "   (confidence " + std::to_string(a.confidence).substr(0, 4) + ")\n";
      for (const auto& p : problems) diff += "    " + p + "\n";
      report.failures.push_back(std::move(diff));
    }
  }
  return report;
}

}  // namespace advisor::engine
