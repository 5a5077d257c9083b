#include "advisor/store/report_page.hpp"

#include <algorithm>
#include <cstdio>

namespace advisor::store {
namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
  return whole ? fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 1) + "%" : "-";
}

// A round axis top at or above `v`: 1, 2, 5, 10, 20, 50, ...
std::uint64_t nice_ceiling(std::uint64_t v) {
  constexpr std::uint64_t multiples[] = {1, 2, 5};
  std::uint64_t step = 1;
  for (;;) {
    for (auto m : multiples)
      if (step * m >= v) return step * m;
    step *= 10;
  }
}

constexpr const char* style = R"(
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.range{color:#666;margin:.2rem 0 1.2rem}
.totals{display:flex;flex-wrap:wrap;gap:1rem}
.totals div{background:#f4f6f8;border-radius:.4rem;padding:.6rem 1rem;min-width:9rem}
.totals b{display:block;font-size:1.4rem}
svg{width:100%;height:auto;max-width:760px}
.legend{color:#555;font-size:.9rem}.legend i{display:inline-block;width:.9rem;height:.6rem;margin:0 .3rem 0 1rem}
.q{background:#7fa7d4}.f{background:#c0392b;height:.2rem!important;vertical-align:middle}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e6ea;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;width:1%}
.variants{color:#555;font-size:.9rem;margin:.2rem 0 0;padding-left:1.1rem}
.empty{color:#666}
)";

// Bars of questions per day (left axis) and the fallback rate as a line (right axis, 0-100%).
std::string chart(const report& r) {
  constexpr double width = 760, height = 260, left = 44, right = 44, top = 12, bottom = 34;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  std::uint64_t most = 0;
  for (const auto& d : r.days) most = std::max(most, d.questions);
  const auto axis_top = nice_ceiling(std::max<std::uint64_t>(most, 1));
  const double n = static_cast<double>(std::max<std::size_t>(r.days.size(), 1));
  const double slot = plot_w / n, bar = std::max(1.0, slot * 0.7);
  auto y_of = [&](double fraction) { return top + plot_h * (1 - fraction); };

  std::string svg = "<svg viewBox=\"0 0 " + fixed(width, 0) + " " + fixed(height, 0) +
                    "\" role=\"img\" aria-labelledby=\"chart-title\"><title id=\"chart-title\">Questions per day "
                    "(bars) and the share that fell back (line)</title>\n";
  // Grid and axes: 0, half and top on the left; 0%, 50%, 100% on the right.
  for (int i = 0; i <= 2; ++i) {
    const double y = y_of(i / 2.0);
    svg += "<line x1=\"" + fixed(left, 0) + "\" x2=\"" + fixed(width - right, 0) + "\" y1=\"" + fixed(y, 1) +
           "\" y2=\"" + fixed(y, 1) + "\" stroke=\"#e3e6ea\"/>";
    svg += "<text x=\"" + fixed(left - 6, 0) + "\" y=\"" + fixed(y + 4, 1) +
           "\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">" +
           fixed(static_cast<double>(axis_top) * i / 2.0, axis_top % 2 && i == 1 ? 1 : 0) + "</text>";
    svg += "<text x=\"" + fixed(width - right + 6, 0) + "\" y=\"" + fixed(y + 4, 1) +
           "\" font-size=\"11\" fill=\"#c0392b\">" + std::to_string(i * 50) + "%</text>";
  }
  svg += "\n";
  const std::size_t label_every = std::max<std::size_t>(1, (r.days.size() + 7) / 8);
  std::string line;
  for (std::size_t i = 0; i < r.days.size(); ++i) {
    const auto& d = r.days[i];
    const double x = left + slot * static_cast<double>(i) + (slot - bar) / 2;
    const double h = plot_h * static_cast<double>(d.questions) / static_cast<double>(axis_top);
    const std::string tip = html_escape(d.day) + ": " + std::to_string(d.questions) + " questions, " +
                            std::to_string(d.fallbacks) + " fell back";
    svg += "<rect x=\"" + fixed(x, 1) + "\" y=\"" + fixed(top + plot_h - h, 1) + "\" width=\"" + fixed(bar, 1) +
           "\" height=\"" + fixed(h, 1) + "\" fill=\"#7fa7d4\"><title>" + tip + "</title></rect>";
    if (d.questions) {
      const double rate = static_cast<double>(d.fallbacks) / static_cast<double>(d.questions);
      const double cx = left + slot * (static_cast<double>(i) + 0.5), cy = y_of(rate);
      line += (line.empty() ? "" : " ") + fixed(cx, 1) + "," + fixed(cy, 1);
      svg += "<circle cx=\"" + fixed(cx, 1) + "\" cy=\"" + fixed(cy, 1) + "\" r=\"2.5\" fill=\"#c0392b\"><title>" + tip +
             " (" + percent(d.fallbacks, d.questions) + ")</title></circle>";
    }
    if ((r.days.size() - 1 - i) % label_every == 0)  // counted back from the last day, which is always labelled
      svg += "<text x=\"" + fixed(left + slot * (static_cast<double>(i) + 0.5), 1) + "\" y=\"" +
             fixed(height - bottom + 16, 0) + "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">" +
             html_escape(d.day.size() >= 10 ? d.day.substr(5) : d.day) + "</text>";
    svg += "\n";
  }
  if (!line.empty())
    svg += "<polyline points=\"" + line + "\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"1.5\"/>\n";
  return svg + "</svg>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_report_page(const report& r) {
  const std::string range = html_escape(r.since) + " to " + html_escape(r.until) + " (UTC)";
  std::string page = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                     "<meta name=\"robots\" content=\"noindex\"><title>What visitors ask, " +
                     range + "</title>\n<style>" + style + "</style></head>\n<body>\n";
  page += "<h1>What visitors ask</h1>\n<p class=\"range\">" + range + "</p>\n";
  page += "<section class=\"totals\">";
  page += "<div><b>" + std::to_string(r.questions) + "</b>questions</div>";
  page += "<div><b>" + std::to_string(r.conversations) + "</b>conversations</div>";
  page += "<div><b>" + percent(r.fallbacks, r.questions) + "</b>fell back (" + std::to_string(r.fallbacks) + ")</div>";
  page += "<div><b>" + std::to_string(r.low_confidence) + "</b>low confidence (below " +
          fixed(r.low_confidence_threshold, 2) + ")</div>";
  page += "</section>\n";

  page += "<h2>Questions per day</h2>\n";
  if (r.questions == 0) {
    page += "<p class=\"empty\">No questions in this period.</p>\n";
  } else {
    page += chart(r);
    page += "<p class=\"legend\"><i class=\"q\"></i>questions<i class=\"f\"></i>share that fell back</p>\n";
  }

  page += "<h2>Top topics</h2>\n";
  if (r.topics.empty()) {
    page += "<p class=\"empty\">No answers in this period.</p>\n";
  } else {
    page += "<table><thead><tr><th>topic</th><th class=\"n\">answers</th></tr></thead><tbody>\n";
    for (const auto& t : r.topics)
      page += "<tr><td>" + html_escape(t.topic) + "</td><td class=\"n\">" + std::to_string(t.answers) + "</td></tr>\n";
    page += "</tbody></table>\n";
  }

  page += "<h2>Unanswered or low-confidence questions</h2>\n";
  if (r.unanswered.empty()) {
    page += "<p class=\"empty\">None in this period.</p>\n";
  } else {
    page += "<table><thead><tr><th class=\"n\">asked</th><th class=\"n\">fell back</th><th>question (and other "
            "wordings)</th></tr></thead><tbody>\n";
    for (const auto& g : r.unanswered) {
      page += "<tr><td class=\"n\">" + std::to_string(g.count) + "</td><td class=\"n\">" + std::to_string(g.fallbacks) +
              "</td><td>" + html_escape(g.example);
      if (!g.variants.empty()) {
        page += "<ul class=\"variants\">";
        for (const auto& [text, count] : g.variants)
          page += "<li>" + html_escape(text) + " (" + std::to_string(count) + ")</li>";
        page += "</ul>";
      }
      page += "</td></tr>\n";
    }
    page += "</tbody></table>\n";
  }
  if (r.unanswered_without_text)
    page += "<p class=\"empty\">" + std::to_string(r.unanswered_without_text) +
            " more were logged without their text (question logging off).</p>\n";
  page += "<p class=\"empty\">Turn these into tests with <code>advisor report --as-tests</code>.</p>\n";
  return page + "</body></html>\n";
}

}  // namespace advisor::store
