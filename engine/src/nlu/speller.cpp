#include "nlu/speller.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace advisor::engine::detail {
namespace {

constexpr std::size_t max_len = speller::max_word_length;
// Deletions are taken from the first prefix_len letters only (SymSpell's prefix): two words within
// two edits still share a deletion of their prefixes, and long words cost 29 probes, not 79.
constexpr std::size_t prefix_len = 7;
using letter_buffer = std::array<char32_t, max_len>;

struct decoded_word {
  letter_buffer letters{};
  std::size_t size = 0;
  bool has_number = false;

  std::u32string_view view() const { return {letters.data(), size}; }
};

// Decodes `word` into code points; false if it is not valid UTF-8 or longer than max_len.
bool decode_word(std::string_view word, decoded_word& out) {
  out.size = 0;
  out.has_number = false;
  std::size_t i = 0;
  while (i < word.size()) {
    if (out.size == max_len) return false;
    const auto c = static_cast<unsigned char>(word[i]);
    if (c < 0x80) {
      out.has_number = out.has_number || (c >= '0' && c <= '9');
      out.letters[out.size++] = c;
      ++i;
      continue;
    }
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n =
        utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(word.data()) + i,
                         static_cast<utf8proc_ssize_t>(word.size() - i), &cp);
    if (n <= 0) return false;
    const utf8proc_category_t cat = utf8proc_category(cp);
    if (cat == UTF8PROC_CATEGORY_ND || cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_NO) {
      out.has_number = true;
    }
    out.letters[out.size++] = static_cast<char32_t>(cp);
    i += static_cast<std::size_t>(n);
  }
  return true;
}

// FNV-1a over code points, then a murmur3 finalizer so the low bits that pick a table slot are
// well mixed. Inline and allocation-free: it runs for every deletion of every looked-up word.
std::uint64_t hash_of(std::u32string_view letters) {
  std::uint64_t h = 0xcbf29ce484222325u;
  for (const char32_t c : letters) h = (h ^ c) * 0x100000001b3u;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53u;
  h ^= h >> 33;
  return h;
}

// One bit per letter (code point mod 32; a-z get distinct bits): a cheap lower bound on the
// distance. Every letter of one word missing from the other needs its own edit, and each edit
// costs at least one half unit, so max(|A \ B|, |B \ A|) bounds the cost from below. Letters
// sharing a bit only make the bound smaller, never wrong.
std::uint32_t letter_mask(std::u32string_view w) {
  std::uint32_t mask = 0;
  for (const char32_t c : w) mask |= 1u << (c & 31u);
  return mask;
}

// True when more than `limit` bits are set. Cheaper than std::popcount, which is a library
// call unless the build targets a CPU with POPCNT.
bool more_bits_than(std::uint32_t bits, int limit) {
  for (int k = 0; k <= limit; ++k) {
    if (bits == 0) return false;
    bits &= bits - 1;
  }
  return true;
}

bool letters_too_far(std::uint32_t a, std::uint32_t b, int limit) {
  return more_bits_than(a & ~b, limit) || more_bits_than(b & ~a, limit);
}

// Calls f(w) and f on every string left after deleting 1..depth (at most 2) letters of w.
// Duplicates (deleting either 'e' of "weeks") are not filtered: callers tolerate them.
template <class F>
void for_each_delete(std::u32string_view w, int depth, F&& f) {
  f(w);
  const std::size_t n = w.size();
  letter_buffer buf{};
  if (depth >= 1) {
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t k = 0;
      for (std::size_t p = 0; p < n; ++p) {
        if (p != i) buf[k++] = w[p];
      }
      f(std::u32string_view(buf.data(), k));
    }
  }
  if (depth >= 2) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) {
        std::size_t k = 0;
        for (std::size_t p = 0; p < n; ++p) {
          if (p != i && p != j) buf[k++] = w[p];
        }
        f(std::u32string_view(buf.data(), k));
      }
    }
  }
}

// Costs are in half units so that 0.5 is exact.
constexpr int cost_near_key = 1;
constexpr int cost_substitute = 2;
constexpr std::uint8_t cost_doubled = 1;
constexpr std::uint8_t cost_indel = 2;
constexpr int cost_transpose = 2;

// Which lower-case letters sit next to each other on a QWERTY keyboard, rows staggered by a
// quarter and a half key as on real keyboards.
constexpr auto keyboard_neighbours = [] {
  constexpr std::array<std::string_view, 3> rows = {"qwertyuiop", "asdfghjkl", "zxcvbnm"};
  constexpr std::array<int, 3> stagger = {0, 1, 3};  // in quarter keys
  std::array<std::array<bool, 26>, 26> table{};
  for (std::size_t r1 = 0; r1 < rows.size(); ++r1) {
    for (std::size_t c1 = 0; c1 < rows[r1].size(); ++c1) {
      for (std::size_t r2 = 0; r2 < rows.size(); ++r2) {
        for (std::size_t c2 = 0; c2 < rows[r2].size(); ++c2) {
          const int dx =
              (4 * static_cast<int>(c1) + stagger[r1]) - (4 * static_cast<int>(c2) + stagger[r2]);
          const int adx = dx < 0 ? -dx : dx;
          const bool same_row = r1 == r2 && adx == 4;
          const bool next_row = (r1 + 1 == r2 || r2 + 1 == r1) && adx < 4;
          table[static_cast<std::size_t>(rows[r1][c1] - 'a')]
               [static_cast<std::size_t>(rows[r2][c2] - 'a')] = same_row || next_row;
        }
      }
    }
  }
  return table;
}();

// Key code of a letter: 0-25 for a-z, other_key for everything else.
constexpr std::uint8_t other_key = 26;

std::uint8_t key_of(char32_t c) {
  return c >= U'a' && c <= U'z' ? static_cast<std::uint8_t>(c - U'a') : other_key;
}

// Substitution cost by key code, so the matrix loop does one table load instead of
// data-dependent branches. Equal letters cost 0; the caller checks equality for other_key.
constexpr auto substitution_costs = [] {
  std::array<std::array<std::uint8_t, other_key + 1>, other_key + 1> table{};
  for (std::size_t a = 0; a <= other_key; ++a) {
    for (std::size_t b = 0; b <= other_key; ++b) {
      const bool near = a < other_key && b < other_key && keyboard_neighbours[a][b];
      table[a][b] = static_cast<std::uint8_t>(a == b && a < other_key ? 0
                                              : near                  ? cost_near_key
                                                                      : cost_substitute);
    }
  }
  return table;
}();

// Inserting or deleting w[i] is cheap when it is one letter of a double ("weks" <-> "weeks").
std::uint8_t indel_cost(std::u32string_view w, std::size_t i) {
  const bool doubled = (i > 0 && w[i - 1] == w[i]) || (i + 1 < w.size() && w[i + 1] == w[i]);
  return doubled ? cost_doubled : cost_indel;
}

// A word's code points with, per letter, its key code and the cost of inserting or deleting it,
// computed once per word rather than once per matrix cell.
struct costed_word {
  std::u32string_view letters;
  const std::uint8_t* keys = nullptr;
  const std::uint8_t* indel = nullptr;
};

// No code point has this value: stands for the letter before the first one.
constexpr char32_t no_letter = 0xFFFFFFFF;

// Weighted optimal-string-alignment distance from `a` (typed) to `b` (vocabulary), or limit + 1
// as soon as every alignment exceeds `limit`. Both are at most max_len long.
int weighted_distance(costed_word a, costed_word b, int limit) {
  const std::size_t n = a.letters.size();
  const std::size_t m = b.letters.size();
  constexpr std::size_t stride = max_len + 2;
  constexpr int unreachable = 1 << 20;
  // Cell (i, j) of the textbook matrix is d[(i + 1) * stride + j + 1]: the extra first row and
  // column let the transposition term read (i - 2, j - 2) without a bounds branch. Only cells
  // written below are read; the rest stays uninitialized on purpose (hot path).
  std::array<int, stride * stride> d;
  for (std::size_t j = 0; j <= m + 1; ++j) d[j] = unreachable;
  d[stride] = unreachable;
  d[stride + 1] = 0;
  for (std::size_t j = 1; j <= m; ++j) d[stride + j + 1] = d[stride + j] + b.indel[j - 1];
  char32_t a_prev = no_letter;
  for (std::size_t i = 1; i <= n; ++i) {
    const char32_t ai = a.letters[i - 1];
    const auto& sub_row = substitution_costs[a.keys[i - 1]];
    const int del = a.indel[i - 1];
    const int* up2 = &d[(i - 1) * stride];  // row i - 2, shifted: up2[j - 1] is (i - 2, j - 2)
    const int* up = &d[i * stride];
    int* row = &d[(i + 1) * stride];
    row[0] = unreachable;
    row[1] = up[1] + del;
    int row_min = row[1];
    char32_t b_prev = no_letter;
    for (std::size_t j = 1; j <= m; ++j) {
      const char32_t bj = b.letters[j - 1];
      const int sub = ai == bj ? 0 : sub_row[b.keys[j - 1]];
      int best = std::min(up[j] + sub, up[j + 1] + del);
      best = std::min(best, row[j] + b.indel[j - 1]);
      const bool swapped = (ai == b_prev) & (a_prev == bj) & (ai != bj);
      best = std::min(best, swapped ? up2[j - 1] + cost_transpose : unreachable);
      row[j + 1] = best;
      row_min = std::min(row_min, best);
      b_prev = bj;
    }
    // Safe with transpositions: a transposition into row i never costs less than the
    // substitution path through row i - 1 that it jumps over.
    if (row_min > limit) return limit + 1;
    a_prev = ai;
  }
  return d[(n + 1) * stride + m + 1];
}

// The largest accepted cost for a typed word of n letters, in half units; negative: never correct.
int cost_limit(std::size_t n) {
  if (n < 2) return -1;
  if (n <= 5) return 2;
  if (n <= 7) return 3;
  return 4;
}

// b is a with one letter inserted somewhere.
bool is_single_insertion(std::u32string_view a, std::u32string_view b) {
  if (b.size() != a.size() + 1) return false;
  std::size_t k = 0;
  while (k < a.size() && a[k] == b[k]) ++k;
  return a.substr(k) == b.substr(k + 1);
}

// b is a with two adjacent letters swapped.
bool is_adjacent_swap(std::u32string_view a, std::u32string_view b) {
  if (a.size() != b.size()) return false;
  std::size_t k = 0;
  while (k < a.size() && a[k] == b[k]) ++k;
  return k + 1 < a.size() && a[k] == b[k + 1] && a[k + 1] == b[k] &&
         a.substr(k + 2) == b.substr(k + 2);
}

// Short words have too many neighbours for distance alone: "cn" is 1 from "can", "in", "on"...
// so 2-3 letter words are only completed with a missing letter (or, at 3, unswapped).
bool short_word_edit(std::u32string_view typed, std::u32string_view candidate) {
  return is_single_insertion(typed, candidate) ||
         (typed.size() == 3 && is_adjacent_swap(typed, candidate));
}

// Word ids already verified in one correct() call. A fixed open-addressing set on the stack:
// the call must not allocate, and the same word arrives once per shared deletion. When nearly
// full it stops recording, and later duplicates are merely verified twice.
class visited_set {
 public:
  // True if `id` was not seen before (or can no longer be tracked).
  bool insert(std::uint32_t id) {
    if (count_ == max_count) return true;
    for (std::size_t s = (id * 2654435761u) & mask;; s = (s + 1) & mask) {
      if (slots_[s] == empty) {
        slots_[s] = id;
        ++count_;
        return true;
      }
      if (slots_[s] == id) return false;
    }
  }

 private:
  static constexpr std::size_t capacity = 256;
  static constexpr std::size_t mask = capacity - 1;
  static constexpr std::size_t max_count = capacity * 3 / 4;
  static constexpr std::uint32_t empty = std::numeric_limits<std::uint32_t>::max();
  std::array<std::uint32_t, capacity> slots_ = filled();
  std::size_t count_ = 0;

  static constexpr std::array<std::uint32_t, capacity> filled() {
    std::array<std::uint32_t, capacity> a{};
    a.fill(empty);
    return a;
  }
};

}  // namespace

speller::speller(const vocabulary& words_with_frequency) {
  words_.reserve(words_with_frequency.size());
  frequency_.reserve(words_with_frequency.size());
  letters_offset_.reserve(words_with_frequency.size() + 1);
  letters_offset_.push_back(0);
  std::vector<std::pair<std::uint64_t, std::uint32_t>> deletes;  // (hash of a deletion, word id)
  for (const auto& [word, frequency] : words_with_frequency) {
    if (word.empty()) continue;
    if (const auto it = ids_.find(word); it != ids_.end()) {
      frequency_[it->second] = std::max(frequency_[it->second], frequency);
      continue;
    }
    if (words_.size() >= std::numeric_limits<std::uint32_t>::max()) {
      throw std::length_error("speller: vocabulary too large");
    }
    const auto id = static_cast<std::uint32_t>(words_.size());
    words_.push_back(word);
    frequency_.push_back(frequency);
    ids_.emplace(word, id);
    decoded_word d;
    if (decode_word(word, d)) {
      letters_.insert(letters_.end(), d.letters.begin(),
                      d.letters.begin() + static_cast<std::ptrdiff_t>(d.size));
      for (std::size_t i = 0; i < d.size; ++i) {
        keys_.push_back(key_of(d.letters[i]));
        indel_costs_.push_back(indel_cost(d.view(), i));
      }
      masks_.push_back(letter_mask(d.view()));
      for_each_delete(d.view().substr(0, prefix_len), 2,
                      [&](std::u32string_view del) { deletes.emplace_back(hash_of(del), id); });
    }
    letters_offset_.push_back(static_cast<std::uint32_t>(letters_.size()));
    masks_.resize(words_.size());
  }
  if (deletes.size() >= std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("speller: vocabulary too large");
  }

  std::sort(deletes.begin(), deletes.end());
  deletes.erase(std::unique(deletes.begin(), deletes.end()), deletes.end());
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < deletes.size(); ++i) {
    if (i == 0 || deletes[i].first != deletes[i - 1].first) ++distinct;
  }
  // At most half full, so probe sequences stay short and always reach an empty slot.
  table_.resize(std::bit_ceil(std::max<std::size_t>(16, 2 * distinct)));
  const std::size_t mask = table_.size() - 1;
  postings_.reserve(deletes.size());
  for (std::size_t i = 0; i < deletes.size();) {
    const std::uint64_t hash = deletes[i].first;
    const auto begin = static_cast<std::uint32_t>(postings_.size());
    for (; i < deletes.size() && deletes[i].first == hash; ++i)
      postings_.push_back(deletes[i].second);
    auto s = static_cast<std::size_t>(hash & mask);
    while (table_[s].end != 0) s = (s + 1) & mask;
    table_[s] = slot{hash, begin, static_cast<std::uint32_t>(postings_.size())};
  }
}

bool speller::known(std::string_view word) const { return ids_.find(word) != ids_.end(); }

std::pair<const std::uint32_t*, const std::uint32_t*> speller::lookup(std::uint64_t hash) const {
  const std::size_t mask = table_.size() - 1;
  for (auto s = static_cast<std::size_t>(hash & mask);; s = (s + 1) & mask) {
    const slot& e = table_[s];
    if (e.end == 0) return {nullptr, nullptr};
    if (e.hash == hash) return {postings_.data() + e.begin, postings_.data() + e.end};
  }
}

std::u32string_view speller::letters_of(std::uint32_t id) const {
  const std::uint32_t begin = letters_offset_[id];
  return {letters_.data() + begin, letters_offset_[id + 1] - begin};
}

std::optional<std::string> speller::correct(std::string_view word) const {
  if (word.empty() || known(word)) return std::nullopt;
  decoded_word typed;
  if (!decode_word(word, typed) || typed.has_number) return std::nullopt;
  const std::u32string_view input = typed.view();

  // Emphasis ("soo", "pleeease" after normalize_text) is more likely than a typo.
  std::array<char, 4 * max_len> collapsed{};
  std::size_t collapsed_size = 0;
  bool had_double = false;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (i > 0 && input[i] == input[i - 1]) {
      had_double = true;
      continue;
    }
    collapsed_size += static_cast<std::size_t>(utf8proc_encode_char(
        static_cast<utf8proc_int32_t>(input[i]),
        reinterpret_cast<utf8proc_uint8_t*>(collapsed.data() + collapsed_size)));
  }
  if (had_double) {
    const std::string_view once(collapsed.data(), collapsed_size);
    if (const auto it = ids_.find(once); it != ids_.end()) return words_[it->second];
  }

  const int limit = cost_limit(input.size());
  if (limit < 0) return std::nullopt;
  std::array<std::uint8_t, max_len> input_keys{};
  std::array<std::uint8_t, max_len> input_costs{};
  for (std::size_t i = 0; i < input.size(); ++i) {
    input_keys[i] = key_of(input[i]);
    input_costs[i] = indel_cost(input, i);
  }
  const costed_word typed_word{input, input_keys.data(), input_costs.data()};
  const std::uint32_t input_mask = letter_mask(input);
  const bool short_word = input.size() <= 3;

  visited_set seen;
  std::uint32_t best = 0;
  int best_cost = limit + 1;
  auto better = [&](std::uint32_t id, int cost) {
    if (best_cost > limit || cost != best_cost) return cost < best_cost;
    if (frequency_[id] != frequency_[best]) return frequency_[id] > frequency_[best];
    const bool same_first = letters_of(id).front() == input.front();
    const bool best_same_first = letters_of(best).front() == input.front();
    if (same_first != best_same_first) return same_first;
    return words_[id] < words_[best];
  };
  // How many letters a candidate may differ by, on each side. Up to 5 letters, one edit: a 2-letter
  // word is completed by a vocabulary word with one letter deleted, which is the input itself.
  // Longer words allow two edits, as cheap ones (0.5) are common there.
  const bool one_edit = input.size() <= 5;
  const int depth = input.size() == 2 ? 0 : one_edit ? 1 : 2;
  for_each_delete(input.substr(0, prefix_len), depth, [&](std::u32string_view del) {
    const auto [first, last] = lookup(hash_of(del));
    for (const std::uint32_t* p = first; p != last; ++p) {
      const std::uint32_t id = *p;
      const std::u32string_view candidate = letters_of(id);
      // The candidate reached `del` by deleting this many letters of its prefix.
      if (one_edit && std::min(candidate.size(), prefix_len) > del.size() + 1) continue;
      const std::size_t gap = candidate.size() > input.size() ? candidate.size() - input.size()
                                                              : input.size() - candidate.size();
      if (candidate.empty() || gap > 2) continue;
      if (short_word && !short_word_edit(input, candidate)) continue;
      if (letters_too_far(input_mask, masks_[id], limit)) continue;
      if (!seen.insert(id)) continue;
      const int cost = weighted_distance(typed_word,
                                         costed_word{candidate, keys_.data() + letters_offset_[id],
                                                     indel_costs_.data() + letters_offset_[id]},
                                         limit);
      if (cost <= limit && better(id, cost)) {
        best = id;
        best_cost = cost;
      }
    }
  });
  if (best_cost > limit) return std::nullopt;
  return words_[best];
}

}  // namespace advisor::engine::detail
