#pragma once
// Whether a WebSocket handshake's Origin may open the chat (protection against cross-site
// WebSocket hijacking). Browsers always send Origin; other clients need none.

#include <string>
#include <string_view>
#include <vector>

namespace advisor::transport {

// True when `origin` is empty (not a browser), is the server's own origin (its host and port equal
// the request's Host, with default ports ignored), or equals one of `allowed` (case-insensitive,
// a trailing slash ignored); "*" in `allowed` admits every origin. The opaque origin "null" is
// only admitted by "*".
bool origin_allowed(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed);

}  // namespace advisor::transport
