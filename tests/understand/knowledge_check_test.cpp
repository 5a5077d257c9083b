#include "advisor/engine/knowledge_check.hpp"

#include <gtest/gtest.h>

#include "advisor/engine/knowledge.hpp"
#include "garden.hpp"

namespace advisor::engine {
namespace {

bool has_code(const std::vector<diagnostic>& ds, const std::string& code) {
  return std::any_of(ds.begin(), ds.end(), [&](const diagnostic& d) { return d.code == code; });
}

TEST(KnowledgeCheck, TheGardenKnowledgeIsClean) {
  auto ds = check_knowledge(*test::garden());
  EXPECT_FALSE(has_errors(ds)) << to_string(ds);
}

TEST(KnowledgeCheck, AnExampleThatReachesAnotherIntentFirstIsAnError) {
  auto base = compile_knowledge("k.rules", R"(intent a
  example: red apples
intent b
  example: red apples please
  cue: red apples
rule a
  when
    intent name: a
  then
    emit topic a
rule b
  when
    intent name: b
  then
    emit topic a
answer a
  text: A.
)");
  ASSERT_TRUE(base) << to_string(base.errors());
  auto ds = check_knowledge(**base);
  ASSERT_TRUE(has_code(ds, "check.example_reaches_other_intent")) << to_string(ds);
  auto d = *std::find_if(ds.begin(), ds.end(), [](const auto& x) { return x.code == "check.example_reaches_other_intent"; });
  EXPECT_EQ(d.line, 2);
  EXPECT_NE(d.message.find("reaches intent 'b' first"), std::string::npos);
}

TEST(KnowledgeCheck, RulesThatCanNeverFireAndUnusedIntentsAreWarnings) {
  auto base = compile_knowledge("k.rules", R"(relation weather: kind
intent lonely
  example: anybody there
rule never
  when
    weather kind: rain
  then
    emit topic wet
answer wet
  text: Wet.
)");
  ASSERT_TRUE(base) << to_string(base.errors());
  auto ds = check_knowledge(**base);
  EXPECT_TRUE(has_code(ds, "check.rule_never_fires"));
  EXPECT_TRUE(has_code(ds, "check.intent_unused"));
  EXPECT_FALSE(has_errors(ds));
}

TEST(KnowledgeCheck, RulesMustNameIntentsConceptsAndTopicsThatExist) {
  auto base = compile_knowledge("k.rules", R"(concept fruit: apple
intent ask-fruit
  example: apple
rule r
  when
    intent name: ask-fruits
    mention concept: fruitt
  then
    emit topic fruit-facts
)");
  ASSERT_FALSE(base);
  const auto& e = base.errors();
  EXPECT_TRUE(has_code(e, "knowledge.unknown_intent"));
  EXPECT_TRUE(has_code(e, "knowledge.unknown_concept"));
  EXPECT_TRUE(has_code(e, "knowledge.topic_without_answer"));
  auto intent = *std::find_if(e.begin(), e.end(), [](const auto& d) { return d.code == "knowledge.unknown_intent"; });
  EXPECT_EQ(intent.hint, "did you mean 'ask-fruit'?");
  EXPECT_EQ(intent.line, 6);
  EXPECT_EQ(intent.column, 18);
}

}  // namespace
}  // namespace advisor::engine
