#pragma once
// The report as one self-contained HTML page, for GET /report: inline CSS, and a chart of
// questions per day with the fallback rate drawn as inline SVG by the page itself. No script, no
// external URL (not even a font or an image); every text from the log is HTML-escaped.
// Thread-safety: a pure function.

#include <string>
#include <string_view>

#include "advisor/store/report.hpp"

namespace advisor::store {

std::string render_report_page(const report& r);

// The Content-Security-Policy to serve the page with: nothing may load, and only the page's own
// inline style applies (the page has no script at all).
inline constexpr std::string_view report_page_csp =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// Text made safe inside HTML elements and quoted attributes (& < > " ').
std::string html_escape(std::string_view text);

}  // namespace advisor::store
