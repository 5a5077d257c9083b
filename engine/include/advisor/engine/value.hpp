#pragma once
// A slot value: a symbol (eyes), a string ("Camarillo, CA") or a number (2, 0.5).
// Plain value type; copy freely.

#include <string>
#include <string_view>

namespace advisor::engine {

class value {
 public:
  enum class kind { symbol, string, number };

  value() : value(symbol("nil")) {}
  value(double n) : kind_(kind::number), number_(n) {}                 // NOLINT: reads like prose
  value(int n) : kind_(kind::number), number_(static_cast<double>(n)) {}  // NOLINT
  static value symbol(std::string text) { return value(kind::symbol, std::move(text)); }
  static value string(std::string text) { return value(kind::string, std::move(text)); }

  kind type() const { return kind_; }
  bool is_symbol() const { return kind_ == kind::symbol; }
  bool is_string() const { return kind_ == kind::string; }
  bool is_number() const { return kind_ == kind::number; }
  const std::string& text() const { return text_; }  // symbol or string contents
  double number() const { return number_; }

  // As written in knowledge files: eyes, "a string", 2.5
  std::string to_string() const;

  friend bool operator==(const value& a, const value& b) {
    return a.kind_ == b.kind_ && (a.kind_ == kind::number ? a.number_ == b.number_ : a.text_ == b.text_);
  }

 private:
  value(kind k, std::string text) : kind_(k), text_(std::move(text)) {}
  kind kind_;
  std::string text_;
  double number_ = 0;
};

}  // namespace advisor::engine
