#include "origin.hpp"

#include <cctype>

namespace advisor::transport {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "host:80" -> "host" for http, "host:443" -> "host" for https; otherwise unchanged.
std::string without_default_port(std::string host_port, std::string_view scheme) {
  auto drop = [&](std::string_view suffix) {
    if (host_port.size() > suffix.size() && host_port.ends_with(suffix)) host_port.resize(host_port.size() - suffix.size());
  };
  if (scheme == "http" || scheme == "ws") drop(":80");
  if (scheme == "https" || scheme == "wss") drop(":443");
  return host_port;
}

std::string normalize(std::string_view origin) {
  std::string o = lower(origin);
  while (!o.empty() && o.back() == '/') o.pop_back();
  const auto sep = o.find("://");
  if (sep == std::string::npos) return o;
  return o.substr(0, sep + 3) + without_default_port(o.substr(sep + 3), std::string_view(o).substr(0, sep));
}

}  // namespace

bool origin_allowed(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed) {
  if (origin.empty()) return true;
  for (const auto& a : allowed)
    if (a == "*") return true;
  const std::string o = normalize(origin);
  const auto sep = o.find("://");
  if (sep == std::string::npos) return false;  // "null" and anything else that is not scheme://host
  const std::string scheme = o.substr(0, sep);
  // Our own origin, whatever scheme a TLS-terminating proxy put in front.
  if (!host.empty() && (scheme == "http" || scheme == "https")) {
    const std::string h = lower(host);
    const std::string origin_host = o.substr(sep + 3);
    if (origin_host == without_default_port(h, scheme) || origin_host == h) return true;
  }
  for (const auto& a : allowed)
    if (!a.empty() && normalize(a) == o) return true;
  return false;
}

}  // namespace advisor::transport
