#pragma once
// Small helpers shared by the engine tests: compile knowledge text that must be valid, pick out
// errors, and read a session's outputs in one line. In-memory knowledge text is the fake here: no
// test needs a file unless it tests the loader.

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "advisor/engine/knowledge.hpp"
#include "advisor/engine/session.hpp"
#include "advisor/engine/status.hpp"

namespace advisor::engine::test {

// Compiles knowledge that must be valid. Throws (GoogleTest reports it, with every diagnostic) when
// it is not, so a typo in a test's knowledge fails loudly instead of testing nothing.
inline std::shared_ptr<const rule_base> compile(std::string_view text, std::string name = "test.rules") {
  auto base = compile_knowledge(std::move(name), std::string(text));
  if (!base) throw std::runtime_error("knowledge does not compile:\n" + to_string(base.errors()));
  return *base;
}

// The errors of knowledge that must not compile (warnings dropped).
inline std::vector<diagnostic> errors_of(std::string_view text, std::string name = "test.rules") {
  auto base = compile_knowledge(std::move(name), std::string(text));
  if (base) throw std::runtime_error("knowledge compiled, but errors were expected");
  std::vector<diagnostic> errors;
  for (const auto& d : base.errors())
    if (d.level == severity::error) errors.push_back(d);
  return errors;
}

// "file:line:column", the way an editor wants it.
inline std::string where(const diagnostic& d) {
  return d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.column);
}

inline std::vector<std::string> codes(const std::vector<diagnostic>& diagnostics) {
  std::vector<std::string> out;
  for (const auto& d : diagnostics) out.push_back(d.code);
  return out;
}

// The values of the live outputs named `name`, as written in knowledge files, in emission order.
inline std::vector<std::string> outputs_of(const session& s, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& o : s.outputs(name)) out.push_back(o.val.to_string());
  return out;
}

// Every live fact of a relation, as text ("needs name: fern what: water"), oldest first.
inline std::vector<std::string> facts_of(const session& s, std::string_view relation) {
  std::vector<std::string> out;
  for (const auto& f : s.facts(relation)) out.push_back(f.to_string());
  return out;
}

// Runs to quiescence and returns the rules fired, in order; throws if the run fails.
inline std::vector<std::string> run(session& s, std::size_t limit = session::default_firing_limit) {
  auto report = s.run(limit);
  if (!report) throw std::runtime_error("run failed:\n" + to_string(report.errors()));
  return report->rules_fired;
}

inline value sym(std::string text) { return value::symbol(std::move(text)); }

}  // namespace advisor::engine::test
