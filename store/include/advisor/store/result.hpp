#pragma once
// Expected failures of the conversation log as values: a status is ok or carries a message for
// people ("cannot open advisor.db: unable to open database file"); result<T> is a value or that
// status. The store does not link the engine, so it keeps its own small pair (the engine's
// result<T> carries knowledge diagnostics, which a database error has none of).
// Thread-safety: plain values, copy freely.

#include <string>
#include <utility>
#include <variant>

namespace advisor::store {

class status {
 public:
  status() = default;  // ok
  static status error(std::string message) { return status(std::move(message)); }

  bool ok() const { return message_.empty(); }
  explicit operator bool() const { return ok(); }
  const std::string& message() const { return message_; }  // empty when ok()

 private:
  explicit status(std::string message) : message_(message.empty() ? "unknown error" : std::move(message)) {}
  std::string message_;
};

// A value of type T, or the status that says why there is none.
template <class T>
class result {
 public:
  result(T value) : state_(std::move(value)) {}     // NOLINT: implicit on purpose, like std::expected
  result(status error)  // NOLINT: implicit on purpose
      : state_(error.ok() ? status::error("unknown error") : std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The failure; an ok status when ok().
  status error() const { return ok() ? status() : std::get<1>(state_); }

 private:
  std::variant<T, status> state_;
};

}  // namespace advisor::store
