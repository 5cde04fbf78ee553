// lookup_key: equal texts exactly for the values MongoDB considers equal.
#include "lookup_key.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace mango::sqlite {
namespace {

using nlohmann::json;

std::string key(const json& value) { return lookup_key(value).value_or("<invalid>"); }

TEST(LookupKey, StringAndNumberOfTheSameDigitsDiffer) {
  EXPECT_NE(key("5"), key(5));
  EXPECT_EQ(key("5"), "\"5\"");
  EXPECT_EQ(key(5), "5");
}

TEST(LookupKey, BooleanIsNotANumber) {
  EXPECT_NE(key(true), key(1));
  EXPECT_NE(key(false), key(0));
  EXPECT_NE(key(nullptr), key(0));
}

TEST(LookupKey, IntegralFloatEqualsTheInteger) {
  EXPECT_EQ(key(7.0), key(7));
  EXPECT_EQ(key(-3.0), key(-3));
  EXPECT_EQ(key(-0.0), key(0));
  EXPECT_EQ(key(7u), key(7));
  EXPECT_EQ(key(json::parse("7.0")), key(json::parse("7")));
}

TEST(LookupKey, FractionalAndHugeFloatsStayFloats) {
  EXPECT_EQ(key(1.5), "1.5");
  EXPECT_NE(key(1.5), key(1));
  EXPECT_EQ(key(0.1), key(json::parse("0.1")));
  EXPECT_EQ(key(1e300), json(1e300).dump());
}

TEST(LookupKey, NestedNumbersAreNormalisedToo) {
  EXPECT_EQ(key(json{{"a", json::array({1.0, 2})}}), key(json{{"a", json::array({1, 2.0})}}));
}

TEST(LookupKey, UnicodeIsKeptAsUtf8) { EXPECT_EQ(key("zoë"), "\"zoë\""); }

TEST(LookupKey, InvalidUtf8HasNoKey) { EXPECT_FALSE(lookup_key("\xff\xfe").has_value()); }

}  // namespace
}  // namespace mango::sqlite
