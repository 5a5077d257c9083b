#include "advisor/engine/rule_base.hpp"

#include "advisor/engine/knowledge.hpp"
#include "lang/compiler.hpp"
#include "rule_base_data.hpp"

namespace advisor::engine {

rule_base::rule_base(std::unique_ptr<detail::rule_base_data> data) : data_(std::move(data)) {}
rule_base::~rule_base() = default;

std::size_t rule_base::rule_count() const { return data_->rules.size(); }

std::vector<std::string> rule_base::rule_names() const {
  std::vector<std::string> out;
  for (const auto& r : data_->rules) out.push_back(r.name);
  return out;
}

std::vector<std::string> rule_base::relation_names() const {
  std::vector<std::string> out;
  for (const auto& r : data_->relations) out.push_back(r.name);
  return out;
}

const std::vector<diagnostic>& rule_base::warnings() const { return data_->warnings; }

result<std::shared_ptr<const rule_base>> compile_knowledge(const std::vector<knowledge_source>& sources) {
  std::vector<diagnostic> diagnostics;
  auto data = detail::compile(sources, diagnostics);
  if (!data) return diagnostics;
  return std::shared_ptr<const rule_base>(std::make_shared<rule_base>(std::move(data)));
}

result<std::shared_ptr<const rule_base>> compile_knowledge(std::string name, std::string text) {
  return compile_knowledge(std::vector<knowledge_source>{{std::move(name), std::move(text)}});
}

}  // namespace advisor::engine
