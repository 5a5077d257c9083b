// `advisor report` as the owner runs it, on a log the test fills: the table, --json, and
// --as-tests, whose file `advisor test` must read.

#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "advisor/store/conversation_log.hpp"
#include "store_test_support.hpp"

namespace advisor::test {
namespace {

using namespace std::chrono_literals;

struct run_result {
  int status = -1;
  std::string out;  // stdout and stderr
};

// Runs `advisor ARGS` through the shell; ARGS are the test's own paths and words, no quoting needed.
run_result advisor(const std::string& args, const std::string& env = "") {
  run_result r;
  const std::string command = env + (env.empty() ? "" : " ") + ADVISOR_BINARY + " " + args + " 2>&1";
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int s = ::pclose(p);
  r.status = WIFEXITED(s) ? WEXITSTATUS(s) : -1;
  return r;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class report_cli : public ::testing::Test {
 protected:
  void SetUp() override {
    store::log_options o;
    o.retention = 0h;
    auto log = store::conversation_log::open(db_.where(), o);
    ASSERT_TRUE(log.ok()) << log.error().message();
    auto add = [&](int day, std::string q, std::vector<std::string> topics, double confidence, bool fallback) {
      (*log)->record({march_10(day), std::move(q), std::move(topics), confidence, fallback, "v1", "c" + std::to_string(day)});
    };
    for (int i = 0; i < 3; ++i) add(-1, "do you sell gift cards", {"fallback"}, 0.1, true);
    add(0, "do you sell gift cards?", {"fallback"}, 0.1, true);
    add(0, "how do i remove milia", {"fallback"}, 0.2, true);
    add(0, "how can i remove milia?", {"fallback"}, 0.2, true);
    add(0, "can i pop milia", {"extraction-risk", "professional"}, 0.9, false);
  }

  std::string db() const { return "--db " + db_.where() + " --until 2024-03-10 --days 3"; }

  test_database db_;
};

TEST_F(report_cli, prints_a_readable_report) {
  auto r = advisor("report " + db());
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(", 2024-03-08 to 2024-03-10 (UTC)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  questions             7 in 2 conversations\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  fell back             6 (85.7%)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  2024-03-09          3          3\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("        6  fallback\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("      4          4  do you sell gift cards\n"
                       "                    also: do you sell gift cards? (1)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("      2          2  how can i remove milia?\n"), std::string::npos) << r.out;
}

TEST_F(report_cli, json_is_one_object_with_every_figure) {
  auto r = advisor("report --json " + db());
  ASSERT_EQ(r.status, 0) << r.out;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["questions"], 7);
  EXPECT_EQ(j["fallbacks"], 6);
  EXPECT_EQ(j["days"].size(), 3u);
  EXPECT_EQ(j["unanswered"][0]["example"], "do you sell gift cards");
  EXPECT_EQ(j["unanswered"][0]["count"], 4);
}

TEST_F(report_cli, as_tests_writes_a_file_advisor_test_reads) {
  const auto dir = db_.dir() / "tests";
  std::filesystem::create_directories(dir);
  const auto file = dir / "unanswered.test";
  auto r = advisor("report " + db() + " --as-tests " + file.string());
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("wrote 2 conversation tests to " + file.string()), std::string::npos) << r.out;
  const auto text = read_file(file);
  EXPECT_NE(text.find("conversation asked 4 times: do you sell gift cards\n"
                      "  # fell back 4 of 4 times; also asked as:\n"
                      "  #   do you sell gift cards? (1)\n"
                      "  visitor: do you sell gift cards\n"
                      "  # expect: TOPIC, TOPIC\n"
                      "  not: fallback\n"),
            std::string::npos)
      << text;

  // `advisor test` parses it (a parse error exits 2) and runs both conversations.
  auto t = advisor("test --tests " + dir.string());
  EXPECT_NE(t.status, 2) << t.out;
  EXPECT_EQ(t.out.find("test."), std::string::npos) << t.out;  // no parse diagnostics
  EXPECT_NE(t.out.find(" passed, "), std::string::npos) << t.out;
  int passed = -1, failed = -1;
  auto last = t.out.rfind('\n', t.out.size() - 2);
  ASSERT_EQ(std::sscanf(t.out.c_str() + (last == std::string::npos ? 0 : last + 1), "%d passed, %d failed", &passed, &failed), 2)
      << t.out;
  EXPECT_EQ(passed + failed, 2) << t.out;

  // It never overwrites the owner's file.
  auto again = advisor("report " + db() + " --as-tests " + file.string());
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.out.find("exists"), std::string::npos) << again.out;
}

TEST_F(report_cli, as_tests_without_a_file_prints_the_tests) {
  auto r = advisor("report " + db() + " --as-tests --top 1");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("conversation asked 4 times: do you sell gift cards\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("remove milia"), std::string::npos) << r.out;
}

TEST_F(report_cli, the_log_can_come_from_the_environment) {
  auto r = advisor("report --json --until 2024-03-10 --days 3", "ADVISOR_DB=" + db_.where());
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"questions\": 7"), std::string::npos) << r.out;
}

TEST_F(report_cli, a_missing_log_or_a_bad_option_is_a_usage_error) {
  auto missing = advisor("report --db " + (db_.dir() / "nothing.db").string());
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.out.find("advisor report: no conversation log at "), std::string::npos) << missing.out;
  EXPECT_FALSE(std::filesystem::exists(db_.dir() / "nothing.db"));

  auto days = advisor("report --db " + db_.where() + " --days 0");
  EXPECT_EQ(days.status, 2);
  EXPECT_NE(days.out.find("--days takes a number of days"), std::string::npos) << days.out;
  auto until = advisor("report --db " + db_.where() + " --until 2024-02-30");
  EXPECT_EQ(until.status, 2);
  EXPECT_NE(until.out.find("--until takes a day as YYYY-MM-DD"), std::string::npos) << until.out;
  auto unknown = advisor("report --since 2024-01-01");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.out.find("unknown option --since"), std::string::npos) << unknown.out;
}

}  // namespace
}  // namespace advisor::test
