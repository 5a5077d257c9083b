// The report page served at GET /report: self-contained, every logged text escaped.

#include "advisor/store/report_page.hpp"

#include <gtest/gtest.h>

namespace advisor::test {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

store::report three_days() {
  store::report r;
  r.since = "2024-03-08";
  r.until = "2024-03-10";
  r.questions = 7;
  r.conversations = 4;
  r.fallbacks = 2;
  r.low_confidence = 1;
  r.days = {{"2024-03-08", 4, 1}, {"2024-03-09", 0, 0}, {"2024-03-10", 3, 1}};
  r.topics = {{"extraction-risk", 3}, {"fallback", 2}};
  r.unanswered = {{"do you sell gift cards", 2, 2, {{"gift cards?", 1}}}};
  return r;
}

TEST(report_page, shows_the_figures_a_chart_and_the_unanswered_questions) {
  auto page = store::render_report_page(three_days());
  EXPECT_EQ(page.rfind("<!doctype html>", 0), 0u);
  EXPECT_NE(page.find("2024-03-08 to 2024-03-10 (UTC)"), std::string::npos);
  EXPECT_NE(page.find("<b>7</b>questions"), std::string::npos);
  EXPECT_NE(page.find("<b>28.6%</b>fell back (2)"), std::string::npos);
  EXPECT_EQ(count(page, "<svg"), 1u);
  EXPECT_EQ(count(page, "<rect"), 3u);    // one bar a day, the empty day too
  EXPECT_EQ(count(page, "<circle"), 2u);  // the fallback rate, on days with questions
  EXPECT_NE(page.find("<polyline"), std::string::npos);
  EXPECT_NE(page.find("<td>extraction-risk</td><td class=\"n\">3</td>"), std::string::npos);
  EXPECT_NE(page.find("do you sell gift cards<ul class=\"variants\"><li>gift cards? (1)</li></ul>"), std::string::npos);
}

TEST(report_page, loads_nothing_from_anywhere) {
  auto page = store::render_report_page(three_days());
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("://"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("href="), std::string::npos);
  EXPECT_EQ(page.find("@import"), std::string::npos);
  EXPECT_EQ(page.find("url("), std::string::npos);
  EXPECT_NE(store::report_page_csp.find("default-src 'none'"), std::string::npos);
}

TEST(report_page, escapes_hostile_text_from_the_log) {
  auto r = three_days();
  r.unanswered = {{"<script>alert('x')</script>", 3, 3, {{"\"><img src=x onerror=alert(1)>", 1}}}};
  r.topics = {{"<b>&topic</b>", 1}};
  r.days[0].day = "<i>day</i>";
  auto page = store::render_report_page(r);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<b>&topic"), std::string::npos);
  EXPECT_EQ(page.find("<i>day"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(page.find("&lt;b&gt;&amp;topic&lt;/b&gt;"), std::string::npos);
}

TEST(report_page, an_empty_period_says_so_instead_of_drawing) {
  store::report r;
  r.since = r.until = "2024-03-10";
  r.days = {{"2024-03-10", 0, 0}};
  auto page = store::render_report_page(r);
  EXPECT_EQ(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("No questions in this period."), std::string::npos);
  EXPECT_NE(page.find("<b>-</b>fell back"), std::string::npos);
}

TEST(html_escape, escapes_the_five_characters) {
  EXPECT_EQ(store::html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(store::html_escape("café"), "café");
}

}  // namespace
}  // namespace advisor::test
