#pragma once
// A bounded cache of finished answers, keyed by what decides an answer: the message text and the
// conversation context it arrived with. Visitors repeat themselves far more than one would think:
// every chat opens with the same suggestion chips, and each answer offers the same follow-ups, so
// the same (text, context) pairs come back all day. A hit skips understanding, the rules and the
// answer's serialization.
//
// One cache belongs to one loaded knowledge: a reload starts an empty one, so an answer is never
// served from knowledge that is no longer running.
//
// Thread-safety: find() and insert() may be called from any number of threads at once (the entries
// are split over shards, each with its own mutex). Least recently used entries are evicted first.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace advisor::app {

// What a hit gives back: the answer's wire text, open at its end (see engine_handler.cpp), and
// what the metrics and the conversation log need to know of it.
struct cached_answer {
  std::string members;  // {"confidence":..,...,"context":{..."intent":..  (no closing braces)
  std::string normalized;
  std::vector<std::string> topics;
  std::vector<std::atomic<std::uint64_t>*> topic_counters;  // the metrics' counter of each topic
  double confidence = 0;
  bool fallback = false;
  bool clarifying = false;
};

class answer_cache {
 public:
  // Holds at most `capacity` answers (0 turns caching off); keys longer than `max_key_bytes` are
  // never stored, so a flood of long, unique messages cannot fill memory.
  explicit answer_cache(std::size_t capacity, std::size_t max_key_bytes = 1024);

  std::shared_ptr<const cached_answer> find(std::string_view key);
  void insert(std::string_view key, std::shared_ptr<const cached_answer> value);

  bool enabled() const { return capacity_ > 0; }

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  struct shard {
    std::mutex mutex;
    std::list<std::pair<std::string, std::shared_ptr<const cached_answer>>> lru;  // most recent first
    std::unordered_map<std::string, decltype(lru)::iterator, string_hash, std::equal_to<>> index;
  };
  static constexpr std::size_t shard_count = 16;

  shard& shard_for(std::string_view key, std::size_t& hash);

  const std::size_t capacity_;
  const std::size_t per_shard_;
  const std::size_t max_key_bytes_;
  std::vector<shard> shards_;
};

}  // namespace advisor::app
