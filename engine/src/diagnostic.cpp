#include <string>

#include "advisor/engine/status.hpp"

namespace advisor::engine {

std::string diagnostic::to_string() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
    out += ": ";
  }
  out += level == severity::error ? "error: " : "warning: ";
  out += message;
  if (!code.empty()) out += " [" + code + "]";
  out += "\n";
  if (!source_line.empty() && column > 0) {
    out += "  " + source_line + "\n  ";
    // Keep tabs so the caret lines up under the same column as in the editor.
    // Columns count bytes; the caret pads one space per character (UTF-8 continuation bytes
    // take no room of their own).
    for (int i = 0; i + 1 < column && static_cast<std::size_t>(i) < source_line.size(); ++i) {
      auto c = static_cast<unsigned char>(source_line[static_cast<std::size_t>(i)]);
      if ((c & 0xC0) == 0x80) continue;
      out += c == '\t' ? '\t' : ' ';
    }
    out += "^\n";
  }
  if (!hint.empty()) out += "  hint: " + hint + "\n";
  return out;
}

std::string to_string(const std::vector<diagnostic>& diagnostics) {
  std::string out;
  std::size_t errors = 0, warnings = 0;
  for (const auto& d : diagnostics) {
    out += d.to_string();
    (d.level == severity::error ? errors : warnings)++;
  }
  out += std::to_string(errors) + (errors == 1 ? " error, " : " errors, ") + std::to_string(warnings) +
         (warnings == 1 ? " warning\n" : " warnings\n");
  return out;
}

}  // namespace advisor::engine
