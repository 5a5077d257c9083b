#include "token_bucket.hpp"

#include <gtest/gtest.h>

namespace advisor::transport {
namespace {

using namespace std::chrono_literals;

TEST(token_bucket, spends_the_burst_then_refills_at_the_rate) {
  const auto t0 = token_bucket::clock::time_point{} + 1h;
  token_bucket b(2, 3, t0);
  EXPECT_TRUE(b.take(t0));
  EXPECT_TRUE(b.take(t0));
  EXPECT_TRUE(b.take(t0));
  EXPECT_FALSE(b.take(t0));
  EXPECT_FALSE(b.take(t0 + 400ms));  // 0.8 of a token
  EXPECT_TRUE(b.take(t0 + 500ms));   // one token after half a second at 2/s
  EXPECT_FALSE(b.take(t0 + 500ms));
}

TEST(token_bucket, never_saves_more_than_the_burst) {
  const auto t0 = token_bucket::clock::time_point{} + 1h;
  token_bucket b(100, 2, t0);
  const auto later = t0 + 1h;
  EXPECT_TRUE(b.take(later));
  EXPECT_TRUE(b.take(later));
  EXPECT_FALSE(b.take(later));
}

}  // namespace
}  // namespace advisor::transport
