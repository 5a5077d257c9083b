// Tests for advisor/engine/rule_base.hpp: what a compiled knowledge base tells about itself.

#include "advisor/engine/rule_base.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine_test_support.hpp"

namespace advisor::engine {
namespace {

constexpr const char* garden = R"(
relation plant: name, soil
relation needs: name, what

rule thirsty
  when
    plant name: ?p soil: dry
  then
    add needs name: ?p what: water

rule "tell me"
  when
    needs name: ?p what: ?w
  then
    emit advice ?w
)";

TEST(rule_base_test, counts_and_names_rules_in_source_order) {
  auto base = test::compile(garden);
  EXPECT_EQ(base->rule_count(), 2u);
  EXPECT_EQ(base->rule_names(), (std::vector<std::string>{"thirsty", "tell me"}));
}

TEST(rule_base_test, names_relations_built_in_first_then_in_declaration_order) {
  auto names = test::compile(garden)->relation_names();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "output") << "rules fill the built-in output relation with `emit`";
  auto plant = std::find(names.begin(), names.end(), "plant");
  ASSERT_NE(plant, names.end());
  ASSERT_NE(plant + 1, names.end());
  EXPECT_EQ(*(plant + 1), "needs");
  EXPECT_EQ(plant + 2, names.end());
}

TEST(rule_base_test, keeps_the_warnings_of_a_successful_compile) {
  auto base = test::compile("relation pot: size\n", "pots.rules");
  ASSERT_EQ(base->warnings().size(), 1u);
  EXPECT_EQ(base->warnings()[0].code, "knowledge.unused_relation");
  EXPECT_EQ(test::where(base->warnings()[0]), "pots.rules:1:10");
  EXPECT_TRUE(test::compile(garden)->warnings().empty());
}

TEST(rule_base_test, is_shared_read_only) {
  std::shared_ptr<const rule_base> base = test::compile(garden);
  session a(base), b(base);
  a.assert_fact("plant", {{"name", test::sym("fern")}, {"soil", test::sym("dry")}});
  test::run(a);
  EXPECT_EQ(test::outputs_of(a, "advice"), std::vector<std::string>{"water"});
  EXPECT_TRUE(b.facts().empty()) << "sessions share the rules, never the facts";
  EXPECT_EQ(&a.base(), base.get());
  EXPECT_EQ(base.use_count(), 3);
}

}  // namespace
}  // namespace advisor::engine
