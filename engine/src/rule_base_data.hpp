#pragma once
// Everything a compiled knowledge base holds. Built by the compiler, then frozen.

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "advisor/engine/status.hpp"
#include "match/network.hpp"
#include "match/symbol_table.hpp"
#include "understand/model.hpp"

namespace advisor::engine::detail {

struct rule_base_data {
  std::vector<std::string> files;
  symbol_table symbols;  // symbols and strings; id 0 is nil
  std::vector<relation_info> relations;
  // Transparent, so lookups by string_view allocate nothing.
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::uint32_t, name_hash, std::equal_to<>> relation_by_name;
  std::vector<relation_index> relation_indexes;  // per relation
  std::vector<alpha_node> alpha_nodes;
  std::vector<rule_info> rules;
  std::vector<initial_fact> initial_facts;
  std::vector<std::uint32_t> rules_without_positives;  // they match once, on nothing, at start
  std::vector<diagnostic> warnings;
  std::shared_ptr<const understanding_model> model;  // never null; empty without vocabulary

  std::uint32_t nil() const { return 0; }
  std::uint32_t find_relation(std::string_view name) const {
    auto it = relation_by_name.find(name);
    return it == relation_by_name.end() ? no_index : it->second;
  }
};

}  // namespace advisor::engine::detail
