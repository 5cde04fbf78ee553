// bson <-> json conversion keeps types (no server needed).
#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

#include "bson_json.hpp"

namespace mango::mongo_detail {
namespace {

using nlohmann::json;

bson_type_t type_of(const bson_t& document, const char* key) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, &document, key)) return BSON_TYPE_EOD;
  return bson_iter_type(&it);
}

TEST(BsonJson, ScalarsGetTheirBsonTypes) {
  const json input = {{"small", 42},
                      {"negative", -42},
                      {"int32_max", std::numeric_limits<std::int32_t>::max()},
                      {"int32_max_plus_one", std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1},
                      {"big", std::int64_t{9'007'199'254'740'993}},
                      {"unsigned", std::uint64_t{7}},
                      {"float", 1.5},
                      {"whole_float", 7.0},
                      {"yes", true},
                      {"nothing", nullptr},
                      {"text", "Zoë 🐍"}};
  auto document = json_to_bson(input);
  ASSERT_TRUE(document);
  const bson_t& bson = **document;
  EXPECT_EQ(type_of(bson, "small"), BSON_TYPE_INT32);
  EXPECT_EQ(type_of(bson, "negative"), BSON_TYPE_INT32);
  EXPECT_EQ(type_of(bson, "int32_max"), BSON_TYPE_INT32);
  EXPECT_EQ(type_of(bson, "int32_max_plus_one"), BSON_TYPE_INT64);
  EXPECT_EQ(type_of(bson, "big"), BSON_TYPE_INT64);
  EXPECT_EQ(type_of(bson, "unsigned"), BSON_TYPE_INT32);
  EXPECT_EQ(type_of(bson, "float"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(type_of(bson, "whole_float"), BSON_TYPE_DOUBLE);
  EXPECT_EQ(type_of(bson, "yes"), BSON_TYPE_BOOL);
  EXPECT_EQ(type_of(bson, "nothing"), BSON_TYPE_NULL);
  EXPECT_EQ(type_of(bson, "text"), BSON_TYPE_UTF8);

  const json back = bson_to_json(bson);
  EXPECT_EQ(back, input);
  EXPECT_TRUE(back["whole_float"].is_number_float());
  EXPECT_TRUE(back["big"].is_number_integer());
  EXPECT_EQ(back["big"].get<std::int64_t>(), 9'007'199'254'740'993);
}

TEST(BsonJson, NestedDocumentsAndArraysRoundTrip) {
  const json input = {{"address", {{"city", "Zürich"}, {"geo", {{"lat", 47.37}}}}},
                      {"tags", json::array({"a", 1, 2.5, false, nullptr, json::object({{"k", "v"}}),
                                            json::array({1, 2})})},
                      {"empty_list", json::array()},
                      {"empty_object", json::object()}};
  auto document = json_to_bson(input);
  ASSERT_TRUE(document);
  EXPECT_EQ(type_of(**document, "address"), BSON_TYPE_DOCUMENT);
  EXPECT_EQ(type_of(**document, "tags"), BSON_TYPE_ARRAY);
  EXPECT_EQ(type_of(**document, "empty_list"), BSON_TYPE_ARRAY);
  EXPECT_EQ(bson_to_json(**document), input);
}

TEST(BsonJson, SkipKeyLeavesTheMemberOut) {
  auto document = json_to_bson({{"_id", 1}, {"a", 2}}, "_id");
  ASSERT_TRUE(document);
  EXPECT_EQ(bson_to_json(**document), json({{"a", 2}}));
  EXPECT_EQ(bson_to_json(**document, "a"), json::object());
}

TEST(BsonJson, OtherBsonTypesReadAsExtendedJson) {
  BsonHandle document = new_bson();
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "64b7f0c2a1b2c3d4e5f60718");
  BSON_APPEND_OID(document.get(), "_id", &oid);
  BSON_APPEND_DATE_TIME(document.get(), "when", 1'700'000'000'000);
  const json read = bson_to_json(*document);
  EXPECT_EQ(read["_id"], json({{"$oid", "64b7f0c2a1b2c3d4e5f60718"}}));
  EXPECT_TRUE(read["when"].is_object());
  EXPECT_TRUE(read["when"].contains("$date"));
  EXPECT_EQ(bson_to_json(*document, "_id").contains("_id"), false);
}

TEST(BsonJson, RejectsWhatBsonCannotHold) {
  auto not_object = json_to_bson(json::array({1}));
  ASSERT_FALSE(not_object);
  EXPECT_EQ(not_object.error().code, ErrorCode::invalid_argument);

  auto too_big = json_to_bson({{"n", std::numeric_limits<std::uint64_t>::max()}});
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, ErrorCode::invalid_argument);

  auto bad_utf8 = json_to_bson({{"s", std::string("\xff\xfe")}});
  ASSERT_FALSE(bad_utf8);
  EXPECT_EQ(bad_utf8.error().code, ErrorCode::invalid_argument);

  json nul_key = json::object();
  nul_key[std::string("a\0b", 3)] = 1;
  auto with_nul_key = json_to_bson(nul_key);
  ASSERT_FALSE(with_nul_key);
  EXPECT_EQ(with_nul_key.error().code, ErrorCode::invalid_argument);

  auto nested_bad = json_to_bson({{"outer", {{"list", json::array({std::string("\xc3")})}}}});
  ASSERT_FALSE(nested_bad);
  EXPECT_EQ(nested_bad.error().code, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace mango::mongo_detail
