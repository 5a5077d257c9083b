// The answer cache on its own: bounded, least recently used out first, long keys never stored.

#include "answer_cache.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace advisor::test {
namespace {

std::shared_ptr<const app::cached_answer> answer(const std::string& text) {
  auto a = std::make_shared<app::cached_answer>();
  a->members = text;
  return a;
}

TEST(answer_cache, gives_back_what_was_stored_under_the_same_key) {
  app::answer_cache cache(64);
  EXPECT_EQ(cache.find("what are they"), nullptr);
  cache.insert("what are they", answer("A"));
  ASSERT_NE(cache.find("what are they"), nullptr);
  EXPECT_EQ(cache.find("what are they")->members, "A");
  EXPECT_EQ(cache.find("what are they?"), nullptr);
}

TEST(answer_cache, holds_at_most_its_capacity_and_drops_the_least_recently_used) {
  app::answer_cache cache(16);  // one entry per shard
  for (int i = 0; i < 1000; ++i) cache.insert("key " + std::to_string(i), answer(std::to_string(i)));
  int kept = 0;
  for (int i = 0; i < 1000; ++i) kept += cache.find("key " + std::to_string(i)) != nullptr;
  EXPECT_LE(kept, 16);
  EXPECT_GT(kept, 0);
}

TEST(answer_cache, a_recent_find_keeps_an_entry_in) {
  app::answer_cache cache(16 * 2);  // two per shard
  cache.insert("kept", answer("K"));
  for (int i = 0; i < 500; ++i) {
    ASSERT_NE(cache.find("kept"), nullptr) << "evicted after " << i << " inserts";
    cache.insert("other " + std::to_string(i), answer("O"));
  }
}

TEST(answer_cache, never_stores_long_keys_or_anything_when_off) {
  app::answer_cache cache(64, 10);
  cache.insert(std::string(11, 'x'), answer("long"));
  EXPECT_EQ(cache.find(std::string(11, 'x')), nullptr);
  app::answer_cache off(0);
  EXPECT_FALSE(off.enabled());
  off.insert("k", answer("v"));
  EXPECT_EQ(off.find("k"), nullptr);
}

TEST(answer_cache, is_safe_from_many_threads) {
  app::answer_cache cache(256);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 5000; ++i) {
        const auto key = "k" + std::to_string((i * 7 + t) % 400);
        if (auto hit = cache.find(key)) {
          EXPECT_EQ(hit->members, key);
        } else {
          cache.insert(key, answer(key));
        }
      }
    });
  for (auto& th : threads) th.join();
}

}  // namespace
}  // namespace advisor::test
