#pragma once
// An open-addressing multimap from a 64-bit hash to 32-bit ids, for the session's "is this fact
// (or match) already here?" lookups. The caller compares candidates itself, so hash collisions
// are harmless. Small, allocation-free once grown, and cleared in time proportional to its size.

#include <cstdint>
#include <vector>

namespace advisor::engine::detail {

class flat_index {
 public:
  // Calls `same(id)` for each id stored under `hash` until it returns true; returns that id.
  template <class Same>
  std::uint32_t find(std::uint64_t hash, Same&& same) const {
    if (slots_.empty()) return none;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.id == empty) return none;
      if (s.id != tombstone && s.hash == hash && same(s.id)) return s.id;
    }
  }

  void insert(std::uint64_t hash, std::uint32_t id) {
    if ((used_ + 1) * 2 > slots_.size()) grow();
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      slot& s = slots_[i];
      if (s.id == empty || s.id == tombstone) {
        if (s.id == empty) ++used_;
        s = {hash, id};
        return;
      }
    }
  }

  void erase(std::uint64_t hash, std::uint32_t id) {
    if (slots_.empty()) return;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      slot& s = slots_[i];
      if (s.id == empty) return;
      if (s.id == id && s.hash == hash) {
        s.id = tombstone;
        return;
      }
    }
  }

  void clear() {
    for (auto& s : slots_) s.id = empty;
    used_ = 0;
  }

  static constexpr std::uint32_t none = 0xFFFFFFFFu;

 private:
  static constexpr std::uint32_t empty = 0xFFFFFFFFu;
  static constexpr std::uint32_t tombstone = 0xFFFFFFFEu;
  struct slot {
    std::uint64_t hash = 0;
    std::uint32_t id = empty;
  };

  void grow() {
    std::vector<slot> old = std::move(slots_);
    std::size_t size = old.empty() ? 32 : old.size() * 2;
    slots_.assign(size, slot{});
    mask_ = size - 1;
    used_ = 0;
    for (const auto& s : old)
      if (s.id != empty && s.id != tombstone) insert(s.hash, s.id);
  }

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  std::size_t used_ = 0;  // live + tombstones
};

}  // namespace advisor::engine::detail
