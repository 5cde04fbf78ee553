#include "closest_name.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

namespace mango::config {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("jwt_secret", "jwt_secret"), 0u);
  EXPECT_EQ(edit_distance("jwt_secrt", "jwt_secret"), 1u);
  EXPECT_EQ(edit_distance("db_hots", "db_host"), 2u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(EditDistance, IgnoresAsciiCase) {
  EXPECT_EQ(edit_distance("MANGO_JWT_db_host", "MANGO_JWT_DB_HOST"), 0u);
}

TEST(ClosestName, SuggestsTheNearestCandidateWithinTwoEdits) {
  constexpr std::array<std::string_view, 3> candidates = {"db_host", "db_port", "jwt_secret"};
  EXPECT_EQ(closest_name("jwt_secrt", candidates), "jwt_secret");
  EXPECT_EQ(closest_name("db_prt", candidates), "db_port");
}

TEST(ClosestName, SuggestsNothingForADistantName) {
  constexpr std::array<std::string_view, 3> candidates = {"db_host", "db_port", "jwt_secret"};
  EXPECT_EQ(closest_name("completely_unrelated", candidates), std::nullopt);
  // Two edits on a three-letter name is not a typo of it.
  constexpr std::array<std::string_view, 1> short_candidates = {"abc"};
  EXPECT_EQ(closest_name("xyc", short_candidates), std::nullopt);
}

}  // namespace
}  // namespace mango::config
