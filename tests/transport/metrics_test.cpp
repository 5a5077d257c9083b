#include "metrics.hpp"

#include <gtest/gtest.h>

namespace advisor::transport {
namespace {

TEST(metrics, prometheus_text_with_errors_by_code_and_a_cumulative_histogram) {
  metrics m;
  m.questions += 3;
  m.count_error("bad_json");
  m.count_error("bad_json");
  m.count_error("rate_limited");
  m.observe_latency(std::chrono::microseconds(50));
  m.observe_latency(std::chrono::microseconds(700));
  m.observe_latency(std::chrono::seconds(3));
  std::string out;
  m.write(out);
  EXPECT_NE(out.find("# TYPE advisor_questions_total counter\nadvisor_questions_total 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("advisor_errors_total{code=\"bad_json\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("advisor_errors_total{code=\"rate_limited\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("advisor_answer_latency_seconds_bucket{le=\"0.0001\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("advisor_answer_latency_seconds_bucket{le=\"0.001\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("advisor_answer_latency_seconds_bucket{le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("advisor_answer_latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(out.find("advisor_answer_latency_seconds_count 3\n"), std::string::npos);
}

}  // namespace
}  // namespace advisor::transport
