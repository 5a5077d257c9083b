#include "nlu/stemmer.hpp"

#include <libstemmer.h>

#include <new>

namespace advisor::engine::detail {

void stemmer::handle_deleter::operator()(sb_stemmer* handle) const noexcept {
  sb_stemmer_delete(handle);
}

// sb_stemmer_new returns null only for an unknown algorithm or out of memory; "english" in UTF_8
// always exists, so null means memory.
stemmer::stemmer() : handle_(sb_stemmer_new("english", "UTF_8")) {
  if (!handle_) throw std::bad_alloc();
}

std::string stemmer::stem(std::string_view word) {
  // Porter2 drops possessives too, but doing it here keeps the contract when Snowball is skipped
  // (long words, moved-from stemmer) and does not depend on the algorithm's version.
  if (word.size() > 2 && word.ends_with("'s")) {
    word.remove_suffix(2);
  } else if (word.size() > 1 && word.ends_with('\'')) {
    word.remove_suffix(1);
  }
  if (!handle_ || word.empty() || word.size() > max_word_bytes) return std::string(word);
  const sb_symbol* result =
      sb_stemmer_stem(handle_.get(), reinterpret_cast<const sb_symbol*>(word.data()),
                      static_cast<int>(word.size()));
  if (result == nullptr) return std::string(word);
  return std::string(reinterpret_cast<const char*>(result),
                     static_cast<std::size_t>(sb_stemmer_length(handle_.get())));
}

}  // namespace advisor::engine::detail
