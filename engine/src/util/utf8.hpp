#pragma once
// UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).

#include <cstddef>
#include <string>
#include <string_view>

namespace advisor::engine::detail {

// Byte offset of the first invalid sequence, or std::string::npos when the text is valid.
std::size_t first_invalid_utf8(std::string_view text);

}  // namespace advisor::engine::detail
