#pragma once
// Levenshtein distance and "did you mean" lookups for diagnostics.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace advisor::engine::detail {

std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo; else empty.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace advisor::engine::detail
