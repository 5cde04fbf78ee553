#include "lookup_key.hpp"

#include <cmath>
#include <cstdint>

namespace mango::sqlite {

namespace {

using nlohmann::json;

// 2^63: doubles in [-2^63, 2^63) with no fraction convert to int64 exactly.
constexpr double kInt64Limit = 9223372036854775808.0;

json with_integral_floats_as_integers(const json& value) {
  switch (value.type()) {
    case json::value_t::number_float: {
      const double number = value.get<double>();
      if (std::isfinite(number) && std::trunc(number) == number && number >= -kInt64Limit &&
          number < kInt64Limit)
        return static_cast<std::int64_t>(number);
      return value;
    }
    case json::value_t::object: {
      json normalised = json::object();
      for (const auto& [key, item] : value.items())
        normalised[key] = with_integral_floats_as_integers(item);
      return normalised;
    }
    case json::value_t::array: {
      json normalised = json::array();
      for (const auto& item : value) normalised.push_back(with_integral_floats_as_integers(item));
      return normalised;
    }
    default:
      return value;
  }
}

}  // namespace

std::optional<std::string> lookup_key(const json& value) {
  try {
    return with_integral_floats_as_integers(value).dump();
  } catch (const json::type_error&) {  // a string that is not valid UTF-8
    return std::nullopt;
  }
}

}  // namespace mango::sqlite
