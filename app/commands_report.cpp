// `advisor report`: what visitors asked, from the conversation log that `advisor serve` writes.
// Reads only (the server may be running), as a table, as JSON, or as conversation tests to fill in.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "advisor/store/conversation_log.hpp"
#include "advisor/store/report.hpp"
#include "command_line.hpp"
#include "commands.hpp"

namespace advisor::app {
namespace {

constexpr const char* report_usage = R"(usage: advisor report [options]

  --db PATH|URL        the conversation log: a SQLite file or a postgresql:// URL
                       (default: $ADVISOR_DB, else advisor.db, as for advisor serve)
  --days N             the last N days, today included (default 30)
  --until YYYY-MM-DD   the last day of the report (default today, UTC)
  --low-confidence X   answers below this confidence count as poorly answered (default 0.5)
  --top N              how many groups of unanswered questions to show (default 20)
  --json               the report as one JSON object
  --as-tests [FILE]    the unanswered questions as a conversation test file to fill in
                       (to FILE, which must not exist yet, or to the screen)
)";

std::string percent(std::uint64_t part, std::uint64_t whole) {
  if (!whole) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

void print_text(const std::string& where, const store::report& r, std::ostream& out) {
  out << "Conversation log " << store::redact(where) << ", " << r.since << " to " << r.until << " (UTC)\n\n";
  out << "  questions       " << std::setw(7) << r.questions << " in " << r.conversations << " conversations\n";
  out << "  fell back       " << std::setw(7) << r.fallbacks << " (" << percent(r.fallbacks, r.questions) << ")\n";
  out << "  low confidence  " << std::setw(7) << r.low_confidence << " (answered with confidence below "
      << std::fixed << std::setprecision(2) << r.low_confidence_threshold << ")\n";

  out << "\nQuestions per day\n  day         questions  fell back\n";
  for (const auto& d : r.days)
    out << "  " << d.day << " " << std::setw(10) << d.questions << " " << std::setw(10) << d.fallbacks << "\n";

  out << "\nTop topics\n";
  if (r.topics.empty()) out << "  (no answers in this period)\n";
  else out << "  answers  topic\n";
  for (const auto& t : r.topics) out << "  " << std::setw(7) << t.answers << "  " << t.topic << "\n";

  out << "\nUnanswered or low-confidence questions, most asked first\n";
  if (r.unanswered.empty()) out << "  (none in this period)\n";
  else out << "  asked  fell back  question\n";
  for (const auto& g : r.unanswered) {
    out << "  " << std::setw(5) << g.count << "  " << std::setw(9) << g.fallbacks << "  " << g.example << "\n";
    if (g.variants.empty()) continue;
    out << "                    also:";
    for (std::size_t i = 0; i < g.variants.size(); ++i)
      out << (i ? ";" : "") << " " << g.variants[i].first << " (" << g.variants[i].second << ")";
    out << "\n";
  }
  if (r.unanswered_without_text)
    out << "  (" << r.unanswered_without_text << " more were logged without their text: question logging was off)\n";
  if (!r.unanswered.empty())
    out << "\nTurn them into conversation tests: advisor report --as-tests unanswered.test\n";
}

// One line of a test file: no line breaks inside.
std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

// At most `n` bytes, cut at a UTF-8 character boundary.
std::string shorten(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "...";
}

// The format `advisor test` reads (see engine/include/advisor/engine/conversation_test.hpp). Each
// test is runnable as written: `not: fallback` fails while the assistant still falls back on the
// question; the `# expect:` line waits for the owner to name the topics and drop the `#`.
void write_tests(const store::report& r, std::ostream& out) {
  out << "# Questions visitors asked from " << r.since << " to " << r.until
      << " that the assistant could not answer well,\n"
         "# most asked first (written by `advisor report --as-tests`).\n"
         "#\n"
         "# For each conversation: teach the assistant the answer, write the topics it should give on the\n"
         "# `# expect:` line and remove its `#`, then run `advisor test`. `not: fallback` fails until the\n"
         "# assistant stops falling back on the question.\n";
  if (r.unanswered.empty()) out << "#\n# (no unanswered questions in this period)\n";
  for (const auto& g : r.unanswered) {
    out << "\nconversation asked " << g.count << (g.count == 1 ? " time: " : " times: ")
        << one_line(shorten(g.example, 60)) << "\n";
    out << "  # fell back " << g.fallbacks << " of " << g.count << " times";
    if (!g.variants.empty()) out << "; also asked as:";
    out << "\n";
    for (const auto& [text, count] : g.variants) out << "  #   " << one_line(text) << " (" << count << ")\n";
    out << "  visitor: " << one_line(g.example) << "\n";
    out << "  # expect: TOPIC, TOPIC\n";
    out << "  not: fallback\n";
  }
}

bool parse_count(const std::string& text, long low, long& out) {
  char* end = nullptr;
  out = std::strtol(text.c_str(), &end, 10);
  return !text.empty() && *end == '\0' && out >= low;
}

}  // namespace

int run_report(const args& a) {
  // --as-tests takes an optional file: a following word that is not an option is its value.
  args given = a;
  for (std::size_t i = 0; i < given.size(); ++i)
    if (given[i] == "--as-tests") {
      const bool has_file = i + 1 < given.size() && given[i + 1].rfind("--", 0) != 0;
      given[i] = "--as-tests=" + (has_file ? given[i + 1] : std::string("-"));
      if (has_file) given.erase(given.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    }
  command_line cl(given, {"db", "days", "until", "low-confidence", "top", "as-tests"}, {"json", "help"});
  if (!cl.ok() || !cl.positional().empty() || cl.has("help")) {
    if (cl.has("help")) {
      std::cout << report_usage;
      return 0;
    }
    std::cerr << "advisor report: " << (cl.ok() ? "unexpected '" + cl.positional().front() + "'" : cl.error())
              << "\n" << report_usage;
    return 2;
  }
  const char* env_db = std::getenv("ADVISOR_DB");
  const std::string where = cl.get("db", env_db && *env_db ? env_db : "advisor.db");

  store::report_options o;
  long n = 0;
  if (cl.has("days")) {
    if (!parse_count(cl.get("days"), 1, n) || n > 36600) {
      std::cerr << "advisor report: --days takes a number of days (1 or more)\n";
      return 2;
    }
    o.days = static_cast<int>(n);
  }
  if (cl.has("top")) {
    if (!parse_count(cl.get("top"), 0, n)) {
      std::cerr << "advisor report: --top takes a number\n";
      return 2;
    }
    o.top_groups = static_cast<std::size_t>(n);
  }
  if (cl.has("low-confidence")) {
    char* end = nullptr;
    const auto text = cl.get("low-confidence");
    o.low_confidence = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(o.low_confidence >= 0 && o.low_confidence <= 1)) {
      std::cerr << "advisor report: --low-confidence takes a number from 0 to 1\n";
      return 2;
    }
  }
  if (cl.has("until")) {
    int y = 0;
    unsigned m = 0, d = 0;
    char tail = 0;
    const bool parsed = std::sscanf(cl.get("until").c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) == 3;
    const std::chrono::year_month_day day{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
    if (!parsed || !day.ok()) {
      std::cerr << "advisor report: --until takes a day as YYYY-MM-DD\n";
      return 2;
    }
    o.until = std::chrono::sys_days{day} + std::chrono::hours{12};
  }

  auto r = store::read_report(where, o);
  if (!r) {
    std::cerr << "advisor report: " << r.error().message() << "\n";
    return 2;
  }

  if (cl.has("as-tests")) {
    const auto file = cl.get("as-tests");
    if (file == "-") {
      write_tests(*r, std::cout);
      return 0;
    }
    std::error_code ec;
    if (std::filesystem::exists(file, ec)) {
      std::cerr << "advisor report: " << file << " exists; give a new file name (it is never overwritten)\n";
      return 2;
    }
    std::ofstream out(file, std::ios::binary);
    write_tests(*r, out);
    out.close();
    if (!out) {
      std::cerr << "advisor report: cannot write " << file << "\n";
      return 2;
    }
    std::cout << "wrote " << r->unanswered.size() << " conversation tests to " << file
              << ": fill in each `# expect:` line, then run advisor test\n";
    return 0;
  }
  if (cl.has("json")) {
    std::cout << store::to_json(*r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  print_text(where, *r, std::cout);
  return 0;
}

}  // namespace advisor::app
