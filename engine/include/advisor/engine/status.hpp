#pragma once
// Expected failures as values: a diagnostic says what went wrong and where, result<T> carries a
// value or every diagnostic collected on the way. Thread-safety: plain values, copy freely.

#include <cstddef>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace advisor::engine {

enum class severity { error, warning };

// One problem found in knowledge or at run time. `code` is stable (e.g.
// "knowledge.unknown_relation") so tools and tests can rely on it; `message` and `hint` are for people.
struct diagnostic {
  severity level = severity::error;
  std::string code;
  std::string message;
  std::string hint;         // may be empty
  std::string file;         // empty for run-time errors
  int line = 0;             // 1-based; 0 when not tied to a position
  int column = 0;           // 1-based, in bytes
  std::string source_line;  // the offending line, for the caret display

  // "file:line:col: error: message [code]" then the line, a caret under the column, and the hint.
  std::string to_string() const;
};

// Every diagnostic, one after the other, followed by "N errors, M warnings".
std::string to_string(const std::vector<diagnostic>& diagnostics);

inline bool has_errors(const std::vector<diagnostic>& diagnostics) {
  for (const auto& d : diagnostics)
    if (d.level == severity::error) return true;
  return false;
}

// A value of type T, or the diagnostics that explain why there is none.
template <class T>
class result {
 public:
  result(T value) : state_(std::move(value)) {}  // NOLINT: implicit on purpose, like std::expected
  result(std::vector<diagnostic> errors) : state_(std::move(errors)) {}  // NOLINT
  result(diagnostic error) : state_(std::vector<diagnostic>{std::move(error)}) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // Empty when ok().
  const std::vector<diagnostic>& errors() const {
    static const std::vector<diagnostic> none;
    return ok() ? none : std::get<1>(state_);
  }

 private:
  std::variant<T, std::vector<diagnostic>> state_;
};

}  // namespace advisor::engine
