// Grouping similar wordings, and the small helpers the log's users rely on.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "advisor/store/conversation_log.hpp"
#include "advisor/store/report.hpp"

namespace advisor::test {
namespace {

using store::group_questions;
using store::wording_key;

TEST(wording_key, drops_filler_words_punctuation_and_word_order) {
  EXPECT_EQ(wording_key("how do i remove milia"), "how milia remove");
  EXPECT_EQ(wording_key("how can i remove milia?"), "how milia remove");
  EXPECT_EQ(wording_key("Milia: how do I REMOVE them??"), "how milia remove");
  EXPECT_EQ(wording_key("why milia"), "milia why");  // question words stay: why and what differ
  EXPECT_EQ(wording_key("what milia"), "milia what");
}

TEST(wording_key, folds_plain_plurals_and_apostrophes) {
  EXPECT_EQ(wording_key("white bumps"), wording_key("a white bump"));
  EXPECT_EQ(wording_key("what's milia"), "milia what");
  EXPECT_EQ(wording_key("don't pop"), "dont pop");
  EXPECT_EQ(wording_key("is it serious"), "serious");  // -us keeps its s
}

TEST(wording_key, a_question_of_only_filler_words_keys_on_them_all) {
  EXPECT_EQ(wording_key("hi"), "hi");
  EXPECT_EQ(wording_key("hello there"), "hello there");
  EXPECT_EQ(wording_key("?!"), "?!");
}

TEST(wording_key, keeps_letters_beyond_ascii) {
  EXPECT_EQ(wording_key("où est le café"), "café est le où");
}

TEST(group_questions, issue_how_do_i_and_how_can_i_land_in_one_group) {
  auto groups = group_questions({{"how do i remove milia", 3, 3}, {"how can i remove milia?", 1, 1}});
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].example, "how do i remove milia");
  EXPECT_EQ(groups[0].count, 4u);
  EXPECT_EQ(groups[0].fallbacks, 4u);
  ASSERT_EQ(groups[0].variants.size(), 1u);
  EXPECT_EQ(groups[0].variants[0], (std::pair<std::string, std::uint64_t>{"how can i remove milia?", 1}));
}

TEST(group_questions, close_wordings_join_the_larger_group) {
  // {how, milia, remove} and {eye, how, milia, remove, under} share 3 of 5 words.
  auto groups = group_questions({{"how do i remove milia under my eyes", 1, 1}, {"how do i remove milia", 5, 5}});
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].example, "how do i remove milia");
  EXPECT_EQ(groups[0].count, 6u);
}

TEST(group_questions, different_questions_stay_apart_most_frequent_first) {
  auto groups = group_questions({{"can i pop milia", 2, 2}, {"can i squeeze milia", 2, 1}, {"gift cards", 5, 5}});
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].example, "gift cards");
  EXPECT_EQ(groups[1].example, "can i pop milia");  // equal counts: by wording
  EXPECT_EQ(groups[2].example, "can i squeeze milia");
  EXPECT_EQ(groups[2].fallbacks, 1u);
}

TEST(group_questions, variants_are_most_asked_first_and_bounded) {
  auto groups = group_questions({{"remove milia", 1, 1},
                                 {"remove milia?", 4, 4},
                                 {"remove milia!", 2, 2},
                                 {"Remove milia.", 3, 3}},
                                2);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].example, "remove milia?");
  EXPECT_EQ(groups[0].count, 10u);
  EXPECT_EQ(groups[0].variants, (std::vector<std::pair<std::string, std::uint64_t>>{{"Remove milia.", 3}, {"remove milia!", 2}}));
}

TEST(group_questions, the_same_rows_in_another_order_give_the_same_groups) {
  std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>> rows = {
      {"how do i remove milia", 2, 2}, {"how can i remove milia", 2, 2}, {"milia remove how", 2, 0}, {"gift cards", 2, 2}};
  auto a = group_questions(rows);
  std::reverse(rows.begin(), rows.end());
  auto b = group_questions(rows);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].example, b[i].example);
    EXPECT_EQ(a[i].variants, b[i].variants);
  }
}

TEST(conversation_log_helpers, postgres_urls_are_told_from_sqlite_paths) {
  EXPECT_TRUE(store::is_postgres_url("postgresql://db.internal/advisor"));
  EXPECT_TRUE(store::is_postgres_url("postgres://u@h/d"));
  EXPECT_FALSE(store::is_postgres_url("advisor.db"));
  EXPECT_FALSE(store::is_postgres_url("/var/lib/advisor/postgresql.db"));
}

TEST(conversation_log_helpers, redact_hides_passwords) {
  EXPECT_EQ(store::redact("postgresql://advisor:s3cret@db:5432/advisor"), "postgresql://advisor:***@db:5432/advisor");
  EXPECT_EQ(store::redact("postgres://advisor@db/advisor?password=s3cret&sslmode=require"),
            "postgres://advisor@db/advisor?password=***&sslmode=require");
  EXPECT_EQ(store::redact("postgresql://db/advisor"), "postgresql://db/advisor");
  EXPECT_EQ(store::redact("my:file@name.db"), "my:file@name.db");  // a path is never touched
}

TEST(conversation_log_helpers, an_unreachable_server_is_an_error_without_the_password) {
  // Port 1 on loopback: nothing listens there.
  auto log = store::conversation_log::open("postgresql://advisor:s3cret@127.0.0.1:1/advisor?connect_timeout=2", {});
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().message().find("cannot connect to postgresql://advisor:***@127.0.0.1:1/advisor"),
            std::string::npos)
      << log.error().message();
  EXPECT_EQ(log.error().message().find("s3cret"), std::string::npos);
}

TEST(conversation_log_helpers, the_report_never_creates_a_sqlite_file) {
  const auto path = std::filesystem::temp_directory_path() / "advisor-store-no-such-log.db";
  std::filesystem::remove(path);
  auto r = store::read_report(path.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "no conversation log at " + path.string());
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(conversation_log_helpers, a_file_that_is_not_a_database_is_an_error) {
  const auto path = std::filesystem::temp_directory_path() / "advisor-store-not-a-db.txt";
  std::ofstream(path) << "this is a text file, not a database, and it is long enough to have a header\n";
  auto log = store::conversation_log::open(path.string(), {});
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().message().find("not a database"), std::string::npos) << log.error().message();
  std::filesystem::remove(path);
}

TEST(conversation_log_helpers, conversation_ids_are_32_hex_digits_and_differ) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    auto id = store::random_conversation_id();
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);
}

}  // namespace
}  // namespace advisor::test
