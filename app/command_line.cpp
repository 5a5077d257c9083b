#include "command_line.hpp"

namespace advisor::app {

command_line::command_line(const std::vector<std::string>& args, std::set<std::string> valued,
                           std::set<std::string> switches) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    if (switches.count(name)) {
      values_.emplace(name, inline_value ? value : "true");
    } else if (valued.count(name)) {
      if (!inline_value) {
        if (i + 1 >= args.size()) {
          error_ = "--" + name + " needs a value";
          return;
        }
        value = args[++i];
      }
      values_.emplace(name, value);
    } else {
      error_ = "unknown option --" + name;
      return;
    }
  }
}

std::string command_line::get(const std::string& flag, const std::string& fallback) const {
  auto it = values_.find(flag);
  return it == values_.end() ? fallback : it->second;
}

std::vector<std::string> command_line::all(const std::string& flag) const {
  std::vector<std::string> out;
  for (auto [it, end] = values_.equal_range(flag); it != end; ++it) out.push_back(it->second);
  return out;
}

}  // namespace advisor::app
