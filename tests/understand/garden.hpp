#pragma once
// The garden knowledge base (tests/understand/data/garden): an unrelated domain, so every test of
// understanding here also shows that no word of it lives in C++.

#include <gtest/gtest.h>

#include <memory>

#include "advisor/engine/responder.hpp"
#include "advisor/loader/knowledge_dir.hpp"

namespace advisor::test {

inline std::shared_ptr<const engine::rule_base> garden() {
  static auto base = [] {
    auto loaded = loader::load_knowledge_dir(ADVISOR_TEST_DATA "/understand/data/garden");
    if (!loaded) ADD_FAILURE() << engine::to_string(loaded.errors());
    return loaded ? *loaded : nullptr;
  }();
  return base;
}

}  // namespace advisor::test
