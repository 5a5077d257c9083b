#pragma once
// A small argument reader for the advisor's subcommands: flags (--name value, --name=value,
// --switch) and positional words, with a clear error for anything unknown.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace advisor::app {

class command_line {
 public:
  // `valued` flags take a value; `switches` don't. Anything else starting with -- is an error.
  command_line(const std::vector<std::string>& args, std::set<std::string> valued, std::set<std::string> switches);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  bool has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::string get(const std::string& flag, const std::string& fallback = {}) const;
  std::vector<std::string> all(const std::string& flag) const;  // repeated flags, in order
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::multimap<std::string, std::string> values_;
  std::vector<std::string> positional_;
  std::string error_;
};

}  // namespace advisor::app
