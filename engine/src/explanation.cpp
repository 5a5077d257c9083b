#include <string>

#include "advisor/engine/session.hpp"

namespace advisor::engine {

const value* fact_view::get(std::string_view slot) const {
  for (const auto& [name, v] : slots)
    if (name == slot) return &v;
  return nullptr;
}

std::string fact_view::to_string() const {
  std::string out = relation;
  for (const auto& [name, v] : slots) {
    if (v.is_symbol() && v.text() == "nil") continue;  // unset slots stay out of the way
    out += " " + name + ": " + v.to_string();
  }
  return out;
}

namespace {
void render(const explanation& e, int depth, std::string& out) {
  std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  out += indent + e.fact.to_string();
  if (e.because.empty()) {
    out += "  (given)\n";
    return;
  }
  out += "\n";
  for (const auto& f : e.because) {
    out += indent + "  because rule '" + f.rule + "' matched:\n";
    for (const auto& m : f.matched) render(m, depth + 2, out);
  }
}
}  // namespace

std::string explanation::to_string() const {
  std::string out;
  render(*this, 0, out);
  return out;
}

}  // namespace advisor::engine
