#pragma once
// Compiling knowledge text into a rule base. The engine reads no files: callers hand it the text
// (the loader module reads a directory).
//
// Example:
//   auto base = compile_knowledge("plants.rules", text);
//   if (!base) std::cerr << to_string(base.errors());

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "advisor/engine/rule_base.hpp"
#include "advisor/engine/status.hpp"

namespace advisor::engine {

struct knowledge_source {
  std::string name;  // shown in diagnostics, usually the file's path
  std::string text;
};

// Parses and checks every source together (declarations may sit in any file) and builds a new
// immutable rule base. Never throws on bad input: returns every error of every file, each with its
// file:line:column, the offending line and a hint. Warnings travel with a successful result in
// rule_base::warnings(). Cost: linear in the text plus the size of the network.
result<std::shared_ptr<const rule_base>> compile_knowledge(const std::vector<knowledge_source>& sources);
result<std::shared_ptr<const rule_base>> compile_knowledge(std::string name, std::string text);

}  // namespace advisor::engine
