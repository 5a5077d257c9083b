#pragma once
// Interned text for symbols and strings. Built while compiling; read-only afterwards, so a rule
// base's table is safe to share. Sessions keep their own table for text the knowledge never
// mentions, numbered after the base's ids.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace advisor::engine::detail {

class symbol_table {
 public:
  explicit symbol_table(std::uint32_t first_id = 0) : first_id_(first_id) {}

  std::uint32_t intern(std::string_view text) {
    if (auto it = ids_.find(text); it != ids_.end()) return it->second;
    texts_.emplace_back(text);
    auto id = first_id_ + static_cast<std::uint32_t>(texts_.size() - 1);
    ids_.emplace(texts_.back(), id);
    return id;
  }
  std::optional<std::uint32_t> find(std::string_view text) const {
    if (auto it = ids_.find(text); it != ids_.end()) return it->second;
    return std::nullopt;
  }
  bool owns(std::uint32_t id) const { return id >= first_id_ && id - first_id_ < texts_.size(); }
  const std::string& text(std::uint32_t id) const { return texts_[id - first_id_]; }
  std::uint32_t end_id() const { return first_id_ + static_cast<std::uint32_t>(texts_.size()); }
  void clear() {
    ids_.clear();
    texts_.clear();
  }

 private:
  std::uint32_t first_id_;
  std::deque<std::string> texts_;  // a deque keeps the views in ids_ valid as it grows
  std::unordered_map<std::string_view, std::uint32_t> ids_;
};

}  // namespace advisor::engine::detail
