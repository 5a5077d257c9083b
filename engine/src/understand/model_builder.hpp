#pragma once
// Builds the understanding model from the parsed knowledge and checks it against the rules:
// concepts and the intents, mentions, entities and topics rules refer to must exist.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "advisor/engine/status.hpp"
#include "lang/ast.hpp"
#include "understand/model.hpp"

namespace advisor::engine::detail {

struct rule_base_data;

using report_fn = std::function<void(severity, const source_pos&, std::string code, std::string message, std::string hint)>;

std::shared_ptr<const understanding_model> build_model(const std::vector<ast_file>& files, const rule_base_data& rules,
                                                       const report_fn& report);

// The built-in relations the understanding layer fills for every message.
struct builtin_relation {
  const char* name;
  std::vector<std::string> slots;
};
const std::vector<builtin_relation>& understanding_relations();

}  // namespace advisor::engine::detail
