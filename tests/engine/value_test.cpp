// Tests for advisor/engine/value.hpp: the three kinds of slot value and how they are written.

#include "advisor/engine/value.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace advisor::engine {
namespace {

TEST(value_test, default_is_the_symbol_nil) {
  value v;
  EXPECT_TRUE(v.is_symbol());
  EXPECT_EQ(v.text(), "nil");
  EXPECT_EQ(v, value::symbol("nil"));
}

TEST(value_test, kinds) {
  EXPECT_EQ(value::symbol("eyes").type(), value::kind::symbol);
  EXPECT_EQ(value::string("Camarillo, CA").type(), value::kind::string);
  EXPECT_EQ(value(2).type(), value::kind::number);
  EXPECT_EQ(value(0.5).type(), value::kind::number);
  EXPECT_TRUE(value::string("x").is_string());
  EXPECT_FALSE(value::string("x").is_symbol());
  EXPECT_EQ(value::string("Camarillo, CA").text(), "Camarillo, CA");
  EXPECT_EQ(value(3).number(), 3.0);
}

TEST(value_test, equality_needs_the_same_kind) {
  EXPECT_EQ(value::symbol("eyes"), value::symbol("eyes"));
  EXPECT_FALSE(value::symbol("eyes") == value::symbol("lips"));
  EXPECT_FALSE(value::symbol("2") == value::string("2"));
  EXPECT_FALSE(value::string("2") == value(2));
  EXPECT_EQ(value(2), value(2.0));
  EXPECT_EQ(value(0.0), value(-0.0));
}

TEST(value_test, written_as_in_knowledge_files) {
  EXPECT_EQ(value::symbol("eyes").to_string(), "eyes");
  EXPECT_EQ(value::string("Camarillo, CA").to_string(), "\"Camarillo, CA\"");
  EXPECT_EQ(value(2).to_string(), "2");
  EXPECT_EQ(value(-3).to_string(), "-3");
  EXPECT_EQ(value(2.5).to_string(), "2.5");
  EXPECT_EQ(value(-0.0).to_string(), "0");
  EXPECT_EQ(value(1e20).to_string(), "1e+20");
}

TEST(value_test, strings_escape_quotes_backslashes_and_newlines) {
  EXPECT_EQ(value::string("say \"hi\"").to_string(), R"("say \"hi\"")");
  EXPECT_EQ(value::string(R"(C:\skin)").to_string(), R"("C:\\skin")");
  EXPECT_EQ(value::string("two\nlines").to_string(), R"("two\nlines")");
  EXPECT_EQ(value::string("").to_string(), R"("")");
}

TEST(value_test, numbers_that_are_not_finite) {
  EXPECT_EQ(value(std::numeric_limits<double>::infinity()).to_string(), "inf");
  EXPECT_EQ(value(-std::numeric_limits<double>::infinity()).to_string(), "-inf");
  EXPECT_TRUE(std::isnan(value(std::nan("")).number()));
}

TEST(value_test, fractions_are_written_in_their_shortest_form) {
  EXPECT_EQ(value(0.1).to_string(), "0.1");
  EXPECT_EQ(value(-2.3).to_string(), "-2.3");
  EXPECT_EQ(value(0.619).to_string(), "0.619");
  EXPECT_EQ(value(1.0 / 3).to_string(), "0.33333333333333331") << "17 digits when 15 do not read back";
}

}  // namespace
}  // namespace advisor::engine
