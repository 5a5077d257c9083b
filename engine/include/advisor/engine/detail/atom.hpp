#pragma once
// The engine's internal value: symbols and strings interned to ids, numbers inline. 16 bytes,
// compared and hashed without touching text.

#include <bit>
#include <cstdint>
#include <functional>

namespace advisor::engine::detail {

enum class atom_kind : std::uint32_t { symbol, string, number };

struct atom {
  atom_kind kind = atom_kind::symbol;
  std::uint32_t id = 0;  // symbol or string id; 0 is the symbol nil
  double num = 0;

  static atom symbol(std::uint32_t i) { return {atom_kind::symbol, i, 0}; }
  static atom string(std::uint32_t i) { return {atom_kind::string, i, 0}; }
  static atom number(double n) { return {atom_kind::number, 0, n == 0 ? 0.0 : n}; }  // -0 == 0

  friend bool operator==(const atom& a, const atom& b) {
    return a.kind == b.kind && (a.kind == atom_kind::number ? a.num == b.num : a.id == b.id);
  }
  std::uint64_t hash() const {
    std::uint64_t h = kind == atom_kind::number ? std::bit_cast<std::uint64_t>(num)
                                                : (static_cast<std::uint64_t>(kind) << 32 | id);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
  }
};

}  // namespace advisor::engine::detail
