#include "answer_cache.hpp"

namespace advisor::app {

answer_cache::answer_cache(std::size_t capacity, std::size_t max_key_bytes)
    : capacity_(capacity),
      per_shard_(capacity == 0 ? 0 : (capacity + shard_count - 1) / shard_count),
      max_key_bytes_(max_key_bytes),
      shards_(capacity == 0 ? 0 : shard_count) {}

answer_cache::shard& answer_cache::shard_for(std::string_view key, std::size_t& hash) {
  hash = string_hash{}(key);
  // The low bits pick the bucket inside the shard's map; the high ones pick the shard.
  return shards_[(hash >> 56) % shard_count];
}

std::shared_ptr<const cached_answer> answer_cache::find(std::string_view key) {
  if (capacity_ == 0 || key.size() > max_key_bytes_) return nullptr;
  std::size_t hash = 0;
  auto& s = shard_for(key, hash);
  std::lock_guard lock(s.mutex);
  auto it = s.index.find(key);
  if (it == s.index.end()) return nullptr;
  s.lru.splice(s.lru.begin(), s.lru, it->second);
  return it->second->second;
}

void answer_cache::insert(std::string_view key, std::shared_ptr<const cached_answer> value) {
  if (capacity_ == 0 || key.size() > max_key_bytes_) return;
  std::size_t hash = 0;
  auto& s = shard_for(key, hash);
  std::lock_guard lock(s.mutex);
  if (auto it = s.index.find(key); it != s.index.end()) {
    // Two threads answered the same new question at once: keep the first, it is the same answer.
    s.lru.splice(s.lru.begin(), s.lru, it->second);
    return;
  }
  s.lru.emplace_front(std::string(key), std::move(value));
  s.index.emplace(s.lru.front().first, s.lru.begin());
  if (s.lru.size() > per_shard_) {
    s.index.erase(s.lru.back().first);
    s.lru.pop_back();
  }
}

}  // namespace advisor::app
