#pragma once
// Deeper checks of a loaded knowledge base, for `advisor check`: every intent's examples must
// reach that intent first, answers' suggested questions must be understood, and rules must be
// able to fire. Returns diagnostics pointing at the knowledge files (errors and warnings).

#include <vector>

#include "advisor/engine/rule_base.hpp"
#include "advisor/engine/status.hpp"

namespace advisor::engine {

std::vector<diagnostic> check_knowledge(const rule_base& base);

}  // namespace advisor::engine
