#pragma once
// The compiled form of a knowledge base: relations, rules and the matching network built from them.
// Immutable once built; share it as std::shared_ptr<const rule_base> between any number of threads
// and sessions. Build one with compile_knowledge() (knowledge.hpp).

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "advisor/engine/status.hpp"

namespace advisor::engine {

namespace detail {
struct rule_base_data;
}

class rule_base {
 public:
  explicit rule_base(std::unique_ptr<detail::rule_base_data> data);
  ~rule_base();
  rule_base(const rule_base&) = delete;
  rule_base& operator=(const rule_base&) = delete;

  std::size_t rule_count() const;
  std::vector<std::string> rule_names() const;      // in source order
  std::vector<std::string> relation_names() const;  // in declaration order, built-ins included

  // Problems that do not stop the knowledge from loading (e.g. a rule that can never fire).
  const std::vector<diagnostic>& warnings() const;

  // For the engine's own modules; not part of the stable API.
  const detail::rule_base_data& data() const { return *data_; }

 private:
  std::unique_ptr<detail::rule_base_data> data_;
};

}  // namespace advisor::engine
