#pragma once
// Third step of question understanding: reduce a word to its Snowball English stem, so "bumps",
// "bumped" and "bumping" all match the vocabulary entry "bump".

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

struct sb_stemmer;  // libstemmer's handle; kept out of this header's includes

namespace advisor::engine::detail {

// Owns one Snowball English stemmer (Porter2).
//
// Thread-safety: a Snowball stemmer keeps its working buffer inside the handle, so one object must
// not be used by two threads at once. Give each session or worker thread its own; objects are
// movable, not copyable. A moved-from stemmer only strips possessives.
//
// Cost: construction allocates the handle (one small malloc, well under a microsecond); stem() is
// linear in the word, typically 0.1-0.5 µs, and allocates only the returned string.
class stemmer {
 public:
  // Throws std::bad_alloc if Snowball cannot allocate its handle.
  stemmer();

  // The stem of one normalized (lower-case) word. A trailing possessive ('s or ') is removed
  // first, so "patient's" and "patients'" both give "patient". Words longer than max_word_bytes
  // are returned as they are: no real word is that long, and it bounds the cost.
  // Errors: none; on Snowball's out-of-memory the word comes back unstemmed.
  // Example: s.stem("popping") == "pop"; s.stem("exfoliation") == "exfoli"
  std::string stem(std::string_view word);

  static constexpr std::size_t max_word_bytes = 256;

 private:
  struct handle_deleter {
    void operator()(sb_stemmer* handle) const noexcept;
  };
  std::unique_ptr<sb_stemmer, handle_deleter> handle_;
};

}  // namespace advisor::engine::detail
