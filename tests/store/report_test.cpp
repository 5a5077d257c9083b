// read_report on a log the test fills: every day of the range, fallbacks and low confidence
// counted apart, similar wordings grouped, limits applied. Runs on SQLite and on PostgreSQL.

#include "advisor/store/report.hpp"

#include <gtest/gtest.h>

#include "advisor/store/conversation_log.hpp"
#include "store_test_support.hpp"

namespace advisor::test {
namespace {

using namespace std::chrono_literals;

// A log with a week of March 2024 in it.
class report_test : public ::testing::Test {
 protected:
  void SetUp() override {
    store::log_options o;
    o.retention = 0h;
    auto log = store::conversation_log::open(db_.where(), o);
    ASSERT_TRUE(log.ok()) << log.error().message();
    auto add = [&](int day, std::string q, std::vector<std::string> topics, double confidence, bool fallback,
                   std::string conversation) {
      (*log)->record({march_10(day), std::move(q), std::move(topics), confidence, fallback, "v1", std::move(conversation)});
    };
    add(-2, "how do i remove milia", {"fallback"}, 0.2, true, "a");
    add(-2, "how do i remove milia", {"fallback"}, 0.2, true, "b");
    add(-2, "how can i remove milia?", {"fallback"}, 0.2, true, "c");
    add(0, "How do I remove milia", {"fallback"}, 0.2, true, "d");
    add(0, "can i pop milia", {"extraction-risk", "professional"}, 0.9, false, "d");
    add(0, "what about my baby", {"baby"}, 0.3, false, "d");  // answered, but unsure
    add(1, "do you sell gift cards", {"fallback"}, 0.1, true, "e");
    add(1, "what are milia", {"milia-what"}, 0.95, false, "e");
    add(1, "can i pop milia", {"extraction-risk"}, 0.9, false, "f");
    add(30, "a question after the range", {"routine"}, 0.9, false, "g");
    (*log)->flush();
  }

  store::report_options week() const {
    store::report_options o;
    o.days = 7;
    o.until = march_10(2);  // 2024-03-06 to 2024-03-12
    return o;
  }

  test_database db_;
};

TEST_F(report_test, counts_the_range_day_by_day_with_empty_days_included) {
  auto r = store::read_report(db_.where(), week());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->since, "2024-03-06");
  EXPECT_EQ(r->until, "2024-03-12");
  EXPECT_EQ(r->questions, 9u);
  EXPECT_EQ(r->conversations, 6u);
  EXPECT_EQ(r->fallbacks, 5u);
  EXPECT_DOUBLE_EQ(r->fallback_rate(), 5.0 / 9.0);
  EXPECT_EQ(r->low_confidence, 1u);  // the baby question; fallbacks are counted apart
  ASSERT_EQ(r->days.size(), 7u);
  std::vector<std::string> days;
  for (const auto& d : r->days) days.push_back(d.day + " " + std::to_string(d.questions) + "/" + std::to_string(d.fallbacks));
  EXPECT_EQ(days, (std::vector<std::string>{"2024-03-06 0/0", "2024-03-07 0/0", "2024-03-08 3/3", "2024-03-09 0/0",
                                            "2024-03-10 3/1", "2024-03-11 3/1", "2024-03-12 0/0"}));
}

TEST_F(report_test, top_topics_count_every_topic_of_every_answer) {
  auto o = week();
  o.top_topics = 3;
  auto r = store::read_report(db_.where(), o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  std::vector<std::string> topics;
  for (const auto& t : r->topics) topics.push_back(t.topic + "=" + std::to_string(t.answers));
  EXPECT_EQ(topics, (std::vector<std::string>{"fallback=5", "extraction-risk=2", "baby=1"}));
}

TEST_F(report_test, groups_unanswered_questions_by_wording_most_frequent_first) {
  auto r = store::read_report(db_.where(), week());
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->unanswered.size(), 3u);
  const auto& remove = r->unanswered[0];
  EXPECT_EQ(remove.example, "how do i remove milia");
  EXPECT_EQ(remove.count, 4u);
  EXPECT_EQ(remove.fallbacks, 4u);
  EXPECT_EQ(remove.variants, (std::vector<std::pair<std::string, std::uint64_t>>{{"How do I remove milia", 1},
                                                                                 {"how can i remove milia?", 1}}));
  EXPECT_EQ(r->unanswered[1].example, "do you sell gift cards");
  EXPECT_EQ(r->unanswered[2].example, "what about my baby");  // low confidence, not a fallback
  EXPECT_EQ(r->unanswered[2].fallbacks, 0u);
}

TEST_F(report_test, the_low_confidence_threshold_and_the_group_limit_are_options) {
  auto o = week();
  o.low_confidence = 0.25;
  o.top_groups = 1;
  auto r = store::read_report(db_.where(), o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->low_confidence, 0u);
  ASSERT_EQ(r->unanswered.size(), 1u);
  EXPECT_EQ(r->unanswered[0].example, "how do i remove milia");
}

TEST_F(report_test, a_range_with_no_questions_is_all_zeros) {
  auto o = week();
  o.until = march_10(-100);
  auto r = store::read_report(db_.where(), o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->questions, 0u);
  EXPECT_EQ(r->fallback_rate(), 0.0);
  EXPECT_EQ(r->days.size(), 7u);
  EXPECT_TRUE(r->topics.empty());
  EXPECT_TRUE(r->unanswered.empty());
}

TEST_F(report_test, json_carries_every_figure) {
  auto r = store::read_report(db_.where(), week());
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto j = store::to_json(*r);
  EXPECT_EQ(j["questions"], 9);
  EXPECT_EQ(j["fallbacks"], 5);
  EXPECT_EQ(j["days"].size(), 7u);
  EXPECT_EQ(j["days"][2], (nlohmann::json{{"day", "2024-03-08"}, {"questions", 3}, {"fallbacks", 3}}));
  EXPECT_EQ(j["unanswered"][0]["example"], "how do i remove milia");
  EXPECT_EQ(j["unanswered"][0]["variants"][1], (nlohmann::json{{"question", "how can i remove milia?"}, {"count", 1}}));
  EXPECT_EQ(j["topics"][0], (nlohmann::json{{"topic", "fallback"}, {"answers", 5}}));
}

}  // namespace
}  // namespace advisor::test
