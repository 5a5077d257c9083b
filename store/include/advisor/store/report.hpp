#pragma once
// The owner's report on the conversation log: questions per day, the topics answered most, how
// often the assistant fell back, and the questions it could not answer well, grouped by similar
// wording so the most asked come first.
//
// read_report() opens its own connection and only reads, so it runs while servers write (SQLite in
// WAL mode lets readers and the writer work at once; PostgreSQL reads a snapshot). Days are UTC.
// Thread-safety: plain values and free functions, safe from any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "advisor/store/result.hpp"

namespace advisor::store {

struct report_options {
  int days = 30;                  // the last N days, today (UTC) included
  double low_confidence = 0.5;    // answers below this count as poorly answered
  std::size_t top_topics = 10;
  std::size_t top_groups = 20;    // unanswered groups kept, most frequent first
  std::size_t max_variants = 5;   // other wordings kept per group
  // The report's last day is the one holding `until`; the epoch (the default) means now.
  std::chrono::system_clock::time_point until{};
};

struct day_count {
  std::string day;  // YYYY-MM-DD
  std::uint64_t questions = 0;
  std::uint64_t fallbacks = 0;
};

struct topic_count {
  std::string topic;
  std::uint64_t answers = 0;  // answers that carried it, in any position
};

// Questions worded alike ("how do i remove milia", "how can i remove milia?").
struct question_group {
  std::string example;        // the most asked wording
  std::uint64_t count = 0;    // every question in the group
  std::uint64_t fallbacks = 0;  // of which the assistant fell back (the rest were low-confidence)
  std::vector<std::pair<std::string, std::uint64_t>> variants;  // other wordings, most asked first
};

struct report {
  std::string since;  // first day, YYYY-MM-DD
  std::string until;  // last day
  std::uint64_t questions = 0;
  std::uint64_t conversations = 0;
  std::uint64_t fallbacks = 0;
  std::uint64_t low_confidence = 0;  // answered, but with confidence below the threshold
  double low_confidence_threshold = 0.5;
  std::uint64_t unanswered_without_text = 0;  // poorly answered, logged with question storage off
  std::vector<day_count> days;  // every day of the range, oldest first, zeros included
  std::vector<topic_count> topics;  // most answered first
  std::vector<question_group> unanswered;  // fell back or low-confidence, most frequent group first

  double fallback_rate() const { return questions ? static_cast<double>(fallbacks) / static_cast<double>(questions) : 0; }
};

// Reads the report from the log at `where` (a SQLite path or a PostgreSQL URL, as
// conversation_log::open takes). Applies missing migrations, but never creates a SQLite file.
// Errors: no database there, it cannot be reached, or its schema is newer than this advisor's.
// Cost: one pass over the range's rows; grouping is quadratic in the distinct poorly answered
// wordings (hundreds in a studio's quarter).
result<report> read_report(const std::string& where, const report_options& options = {});

// The words that decide a question's group: lower case (ASCII), punctuation and filler words
// ("how do i remove milia?" and "how can i remove milia" both give "how milia remove"), sorted.
// A question made only of filler words keys on all its words.
std::string wording_key(const std::string& question);

// Groups (wording, count, fallbacks) rows by wording: first by equal wording_key(), then a smaller
// group joins a larger one whose key shares at least 60% of their words (Jaccard). Deterministic:
// groups come most frequent first, ties by example; `max_variants` bounds each group's variants.
std::vector<question_group> group_questions(
    const std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>>& rows, std::size_t max_variants = 5);

// The report as JSON: {"since", "until", "questions", "conversations", "fallbacks", "fallback_rate",
// "low_confidence", "low_confidence_threshold", "unanswered_without_text", "days": [{"day",
// "questions", "fallbacks"}], "topics": [{"topic", "answers"}], "unanswered": [{"example", "count",
// "fallbacks", "variants": [{"question", "count"}]}]}.
nlohmann::json to_json(const report& r);

}  // namespace advisor::store
