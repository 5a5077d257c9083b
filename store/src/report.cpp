#include "advisor/store/report.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "database.hpp"

namespace advisor::store {
namespace {

constexpr std::int64_t day_ms = 86'400'000;

std::uint64_t number(const std::string& s) { return std::strtoull(s.c_str(), nullptr, 10); }

std::string format_day(std::int64_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

// Filler words: pronouns, articles, auxiliaries, greetings. Question words (how, what, why...)
// and negations stay: "why milia" and "what milia" are different questions.
const std::set<std::string, std::less<>>& filler_words() {
  static const std::set<std::string, std::less<>> words = {
      "a",     "about", "also",  "am",    "an",     "and",  "any",    "are",   "as",     "at",    "be",
      "been",  "being", "but",   "by",    "can",    "could", "did",   "do",    "does",   "doing", "for",
      "from",  "get",   "got",   "had",   "has",    "have", "having", "hello", "hey",    "hi",    "i",
      "id",    "if",    "im",    "in",    "is",     "it",   "its",    "ive",   "just",   "may",   "me",
      "might", "mine",  "must",  "my",    "myself", "of",   "ok",     "okay",  "on",     "or",    "our",
      "please", "quite", "really", "shall", "should", "so",  "some",   "than",  "thank",  "thanks", "that",
      "the",   "their", "them",  "then",  "there",  "these", "they",   "this",  "those",  "to",    "too",
      "us",    "very",  "was",
      "we",    "were",  "will",  "with",  "would",  "you",  "your",   "youre", "yours"};
  return words;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> out;
  std::string w;
  auto end_word = [&] {
    // A plain plural folds onto its singular ("bumps", "bump"); -ss, -us, -is words keep theirs.
    if (w.size() > 3 && w.back() == 's' && w[w.size() - 2] != 's' && w[w.size() - 2] != 'u' && w[w.size() - 2] != 'i')
      w.pop_back();
    if (!w.empty()) out.push_back(std::move(w));
    w.clear();
  };
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\'') continue;  // "don't" is one word, "what's" becomes "whats" (then "what")
    if (c >= 0x80 || std::isalnum(c)) {
      w += static_cast<char>(std::tolower(c));
    } else {
      end_word();
    }
  }
  end_word();
  return out;
}

std::vector<std::string> key_words(const std::string& question) {
  auto all = words_of(question);
  std::vector<std::string> kept;
  for (const auto& w : all)
    if (!filler_words().count(w)) kept.push_back(w);
  if (kept.empty()) kept = all;  // "hi there": keyed on its own words, not grouped with every greeting
  std::sort(kept.begin(), kept.end());
  kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
  return kept;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

double jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::size_t shared = 0;
  for (auto i = a.begin(), j = b.begin(); i != a.end() && j != b.end();) {
    if (*i < *j) {
      ++i;
    } else if (*j < *i) {
      ++j;
    } else {
      ++shared, ++i, ++j;
    }
  }
  const auto all = a.size() + b.size() - shared;
  return all ? static_cast<double>(shared) / static_cast<double>(all) : 1.0;
}

}  // namespace

std::string wording_key(const std::string& question) {
  auto words = key_words(question);
  return words.empty() ? question : join(words);
}

std::vector<question_group> group_questions(
    const std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>>& rows, std::size_t max_variants) {
  struct cluster {
    std::vector<std::string> seed;  // the key words of its most frequent wording group
    std::uint64_t count = 0, fallbacks = 0;
    std::map<std::string, std::uint64_t> wordings;
  };
  // 1. Equal keys.
  std::map<std::string, cluster> by_key;
  for (const auto& [text, count, fallbacks] : rows) {
    auto words = key_words(text);
    auto& c = by_key[words.empty() ? text : join(words)];
    c.seed = std::move(words);
    c.count += count;
    c.fallbacks += fallbacks;
    c.wordings[text] += count;
  }
  std::vector<cluster> exact;
  for (auto& [key, c] : by_key) exact.push_back(std::move(c));
  // std::map gave key order; a stable sort by count keeps it among equals.
  std::stable_sort(exact.begin(), exact.end(), [](const cluster& a, const cluster& b) { return a.count > b.count; });

  // 2. Each group, most frequent first, joins the first (largest) cluster close enough to it.
  std::vector<cluster> merged;
  for (auto& g : exact) {
    auto home = std::find_if(merged.begin(), merged.end(), [&](const cluster& c) {
      return !c.seed.empty() && !g.seed.empty() && jaccard(c.seed, g.seed) >= 0.6;
    });
    if (home == merged.end()) {
      merged.push_back(std::move(g));
      continue;
    }
    home->count += g.count;
    home->fallbacks += g.fallbacks;
    for (const auto& [text, n] : g.wordings) home->wordings[text] += n;
  }

  std::vector<question_group> out;
  for (auto& c : merged) {
    std::vector<std::pair<std::string, std::uint64_t>> wordings(c.wordings.begin(), c.wordings.end());
    std::stable_sort(wordings.begin(), wordings.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    question_group g;
    g.example = wordings.front().first;
    g.count = c.count;
    g.fallbacks = c.fallbacks;
    for (std::size_t i = 1; i < wordings.size() && g.variants.size() < max_variants; ++i)
      g.variants.push_back(std::move(wordings[i]));
    out.push_back(std::move(g));
  }
  std::stable_sort(out.begin(), out.end(), [](const question_group& a, const question_group& b) {
    return a.count != b.count ? a.count > b.count : a.example < b.example;
  });
  return out;
}

result<report> read_report(const std::string& where, const report_options& options) {
  detail::open_options o;
  o.create = false;
  auto opened = detail::open_database(where, o);
  if (!opened) return opened.error();
  auto& db = **opened;

  auto until = options.until == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now() : options.until;
  const std::int64_t last_day = detail::to_millis(until) / day_ms - (detail::to_millis(until) < 0 ? 1 : 0);
  const std::int64_t first_day = last_day - std::max(options.days, 1) + 1;
  const std::int64_t from = first_day * day_ms, to = (last_day + 1) * day_ms;
  auto fail = [&](const status& s) { return status::error("reading the log at " + redact(where) + ": " + s.message()); };

  report r;
  r.since = format_day(first_day);
  r.until = format_day(last_day);
  r.low_confidence_threshold = options.low_confidence;

  auto totals = db.query(
      "SELECT count(*), coalesce(sum(fallback), 0), count(DISTINCT conversation), "
      "coalesce(sum(CASE WHEN fallback = 0 AND confidence < $3 THEN 1 ELSE 0 END), 0), "
      "coalesce(sum(CASE WHEN (fallback = 1 OR confidence < $3) AND question = '' THEN 1 ELSE 0 END), 0) "
      "FROM questions WHERE at_ms >= $1 AND at_ms < $2",
      {from, to, options.low_confidence});
  if (!totals) return fail(totals.error());
  if (!totals->empty() && totals->front().size() == 5) {
    const auto& t = totals->front();
    r.questions = number(t[0]);
    r.fallbacks = number(t[1]);
    r.conversations = number(t[2]);
    r.low_confidence = number(t[3]);
    r.unanswered_without_text = number(t[4]);
  }

  auto days = db.query(
      "SELECT at_ms / 86400000, count(*), sum(fallback) FROM questions WHERE at_ms >= $1 AND at_ms < $2 GROUP BY 1",
      {from, to});
  if (!days) return fail(days.error());
  std::map<std::int64_t, std::pair<std::uint64_t, std::uint64_t>> per_day;
  for (const auto& d : *days) per_day[std::strtoll(d[0].c_str(), nullptr, 10)] = {number(d[1]), number(d[2])};
  for (auto day = first_day; day <= last_day; ++day) {
    auto it = per_day.find(day);
    r.days.push_back({format_day(day), it == per_day.end() ? 0 : it->second.first,
                      it == per_day.end() ? 0 : it->second.second});
  }

  // A few dozen distinct topics: sorted here, so ties come out the same on both databases
  // whatever their collation.
  auto topics = db.query(
      "SELECT topic, count(*) FROM answer_topics WHERE at_ms >= $1 AND at_ms < $2 GROUP BY topic",
      {from, to});
  if (!topics) return fail(topics.error());
  for (const auto& t : *topics) r.topics.push_back({t[0], number(t[1])});
  std::sort(r.topics.begin(), r.topics.end(), [](const topic_count& a, const topic_count& b) {
    return a.answers != b.answers ? a.answers > b.answers : a.topic < b.topic;
  });
  if (r.topics.size() > options.top_topics) r.topics.resize(options.top_topics);

  auto poor = db.query(
      "SELECT question, count(*), sum(fallback) FROM questions WHERE at_ms >= $1 AND at_ms < $2 "
      "AND (fallback = 1 OR confidence < $3) AND question <> '' GROUP BY question",
      {from, to, options.low_confidence});
  if (!poor) return fail(poor.error());
  std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>> rows;
  rows.reserve(poor->size());
  for (auto& p : *poor) rows.emplace_back(std::move(p[0]), number(p[1]), number(p[2]));
  r.unanswered = group_questions(rows, options.max_variants);
  if (r.unanswered.size() > options.top_groups) r.unanswered.resize(options.top_groups);
  return r;
}

nlohmann::json to_json(const report& r) {
  using nlohmann::json;
  json days = json::array(), topics = json::array(), groups = json::array();
  for (const auto& d : r.days) days.push_back({{"day", d.day}, {"questions", d.questions}, {"fallbacks", d.fallbacks}});
  for (const auto& t : r.topics) topics.push_back({{"topic", t.topic}, {"answers", t.answers}});
  for (const auto& g : r.unanswered) {
    json variants = json::array();
    for (const auto& [text, count] : g.variants) variants.push_back({{"question", text}, {"count", count}});
    groups.push_back({{"example", g.example}, {"count", g.count}, {"fallbacks", g.fallbacks}, {"variants", variants}});
  }
  return {{"since", r.since},
          {"until", r.until},
          {"questions", r.questions},
          {"conversations", r.conversations},
          {"fallbacks", r.fallbacks},
          {"fallback_rate", r.fallback_rate()},
          {"low_confidence", r.low_confidence},
          {"low_confidence_threshold", r.low_confidence_threshold},
          {"unanswered_without_text", r.unanswered_without_text},
          {"days", days},
          {"topics", topics},
          {"unanswered", groups}};
}

}  // namespace advisor::store
