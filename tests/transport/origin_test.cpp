#include "origin.hpp"

#include <gtest/gtest.h>

namespace advisor::transport {
namespace {

TEST(origin, no_origin_is_not_a_browser_and_is_allowed) { EXPECT_TRUE(origin_allowed("", "example.com", {})); }

TEST(origin, own_origin_is_always_allowed_whatever_the_scheme) {
  EXPECT_TRUE(origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", {}));
  EXPECT_TRUE(origin_allowed("https://Studio.Example", "studio.example", {}));
  EXPECT_TRUE(origin_allowed("https://studio.example:443", "studio.example", {}));
  EXPECT_TRUE(origin_allowed("http://studio.example", "studio.example:80", {}));
}

TEST(origin, other_origins_need_the_list) {
  const std::vector<std::string> allowed = {"https://studio.example", "http://localhost:3000/"};
  EXPECT_TRUE(origin_allowed("https://studio.example", "chat.internal:8080", allowed));
  EXPECT_TRUE(origin_allowed("http://localhost:3000", "chat.internal:8080", allowed));
  EXPECT_FALSE(origin_allowed("https://evil.example", "chat.internal:8080", allowed));
  EXPECT_FALSE(origin_allowed("https://studio.example.evil.example", "chat.internal:8080", allowed));
  EXPECT_FALSE(origin_allowed("http://studio.example", "chat.internal:8080", allowed));  // scheme matters
  EXPECT_FALSE(origin_allowed("null", "chat.internal:8080", allowed));
}

TEST(origin, star_allows_everyone) {
  EXPECT_TRUE(origin_allowed("https://anyone.example", "x", {"*"}));
  EXPECT_TRUE(origin_allowed("null", "x", {"*"}));
}

}  // namespace
}  // namespace advisor::transport
