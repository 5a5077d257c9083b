#include "advisor/engine/conversation_test.hpp"

#include <gtest/gtest.h>

#include "garden.hpp"

namespace advisor::engine {
namespace {

TEST(ConversationTests, ParseTurnsExpectationsAndExclusions) {
  auto parsed = parse_conversations("t.test", R"(# a comment
conversation watering
  visitor: how often should I water?
  expect: watering
  not: pruning, feeding
  visitor: thanks
  expect only: thanks
)");
  ASSERT_TRUE(parsed) << to_string(parsed.errors());
  ASSERT_EQ(parsed->size(), 1u);
  const auto& c = parsed->front();
  EXPECT_EQ(c.name, "watering");
  ASSERT_EQ(c.turns.size(), 2u);
  EXPECT_EQ(c.turns[0].must_not, (std::vector<std::string>{"pruning", "feeding"}));
  EXPECT_TRUE(c.turns[1].exact);
  EXPECT_EQ(c.turns[1].line, 6);
}

TEST(ConversationTests, ReportEveryMalformedLineWithItsPosition) {
  auto parsed = parse_conversations("bad.test", "visitor: orphan\nconversation x\n  expect: a\n  banana: b\n  visitor: hi\n");
  ASSERT_FALSE(parsed);
  const auto& e = parsed.errors();
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].code, "test.no_conversation");
  EXPECT_EQ(e[0].line, 1);
  EXPECT_EQ(e[1].code, "test.no_turn");
  EXPECT_EQ(e[2].code, "test.unknown_line");
  EXPECT_EQ(e[2].line, 4);
  EXPECT_EQ(e[2].column, 3);
  EXPECT_EQ(e[3].code, "test.nothing_expected");
}

TEST(ConversationTests, RunShowsADiffForEachFailedTurn) {
  responder r(test::garden());
  auto parsed = parse_conversations("t.test", R"(conversation mixed
  visitor: how often should I water my plants?
  expect: watering
  visitor: should I use fertilizer?
  expect: pruning
)");
  ASSERT_TRUE(parsed);
  auto report = run_conversations(r, *parsed);
  EXPECT_EQ(report.passed, 1u);
  EXPECT_EQ(report.failed, 1u);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_NE(report.failures[0].find("t.test:4"), std::string::npos);
  EXPECT_NE(report.failures[0].find("- expected: pruning"), std::string::npos);
  EXPECT_NE(report.failures[0].find("+ got:      feeding"), std::string::npos);
  EXPECT_TRUE(report.rules_fired.count("watering"));
}

}  // namespace
}  // namespace advisor::engine
