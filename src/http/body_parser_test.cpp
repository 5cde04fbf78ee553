#include <gtest/gtest.h>

#include "mango/http.hpp"

using mango::http::parse_body;

TEST(BodyParser, JsonObject) {
  auto data = parse_body("application/json; charset=utf-8", R"({"email":"a@b.c","n":5})");
  ASSERT_TRUE(data);
  EXPECT_EQ((*data)["email"], "a@b.c");
  EXPECT_EQ((*data)["n"], 5);
}

TEST(BodyParser, EmptyBodyIsEmptyObjectWhateverTheType) {
  for (const char* type : {"application/json", "", "text/plain"}) {
    auto data = parse_body(type, "");
    ASSERT_TRUE(data) << type;
    EXPECT_TRUE(data->is_object() && data->empty());
  }
}

TEST(BodyParser, MalformedJsonIsInvalidArgument) {
  for (const char* body : {"{", "[1,2]", "\"text\"", "{\"a\":1,}", "{\"a\":\"\xff\"}"}) {
    auto data = parse_body("application/json", body);
    ASSERT_FALSE(data) << body;
    EXPECT_EQ(data.error().code, mango::ErrorCode::invalid_argument);
  }
}

TEST(BodyParser, DeepJsonIsRefused) {
  std::string deep = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_FALSE(parse_body("application/json", deep));
}

TEST(BodyParser, FormUrlencodedDecodesAndLastValueWins) {
  auto data = parse_body("application/x-www-form-urlencoded",
                         "email=a%40b.c&password=p+w%2B&x=1&x=2&bad=%zz");
  ASSERT_TRUE(data);
  EXPECT_EQ((*data)["email"], "a@b.c");
  EXPECT_EQ((*data)["password"], "p w+");
  EXPECT_EQ((*data)["x"], "2");
  EXPECT_EQ((*data)["bad"], "%zz");
}

TEST(BodyParser, FormWithInvalidUtf8IsRefused) {
  EXPECT_FALSE(parse_body("application/x-www-form-urlencoded", "a=%ff"));
}

TEST(BodyParser, MultipartFieldsAndFilesIgnored) {
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@b.c\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nsecret pass\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\n"
      "Content-Type: image/png\r\n\r\n\x89PNG\r\n--XyZ--\r\n";
  auto data = parse_body("multipart/form-data; boundary=XyZ", body);
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ((*data)["email"], "a@b.c");
  EXPECT_EQ((*data)["password"], "secret pass");
  EXPECT_FALSE(data->contains("avatar"));
}

TEST(BodyParser, MultipartWithoutBoundaryOrTruncatedIsRefused) {
  EXPECT_FALSE(parse_body("multipart/form-data", "--a\r\n"));
  EXPECT_FALSE(parse_body("multipart/form-data; boundary=a",
                          "--a\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nvalue"));
}

TEST(BodyParser, UnsupportedMediaTypeIsMarked) {
  auto data = parse_body("text/plain", "email=a");
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().field, "unsupported_media_type");
}

TEST(BodyParser, TooManyFieldsRefused) {
  std::string body;
  for (int i = 0; i < 300; ++i) body += "f" + std::to_string(i) + "=1&";
  EXPECT_FALSE(parse_body("application/x-www-form-urlencoded", body));
}
