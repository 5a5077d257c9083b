#include "advisor/engine/value.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace advisor::engine {

std::string value::to_string() const {
  switch (kind_) {
    case kind::symbol: return text_;
    case kind::string: {
      std::string out = "\"";
      for (char c : text_) {
        if (c == '"' || c == '\\') out += '\\';
        out += c == '\n' ? 'n' : c;
        if (c == '\n') out.insert(out.size() - 1, "\\");
      }
      return out + "\"";
    }
    case kind::number: {
      if (std::isfinite(number_) && number_ == std::floor(number_) && std::fabs(number_) < 1e15) {
        return std::to_string(static_cast<long long>(number_));
      }
      // The shortest of 15 or 17 digits that reads back as the same number: 0.619, not 0.61899999999999999.
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.15g", number_);
      if (std::strtod(buffer, nullptr) != number_) std::snprintf(buffer, sizeof buffer, "%.17g", number_);
      return buffer;
    }
  }
  return {};
}

}  // namespace advisor::engine
