#pragma once
// Checked AST -> rule base: resolves names, reports every semantic error with a hint, and builds
// the shared matching network (alpha nodes, their hash index, and the join plans of every rule).

#include <memory>
#include <vector>

#include "advisor/engine/knowledge.hpp"
#include "rule_base_data.hpp"

namespace advisor::engine::detail {

// Fills `diagnostics` with every error and warning; returns null when there is any error.
std::unique_ptr<rule_base_data> compile(const std::vector<knowledge_source>& sources,
                                        std::vector<diagnostic>& diagnostics);

}  // namespace advisor::engine::detail
