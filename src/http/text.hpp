// Small string helpers for the HTTP layer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mango::http {

std::string_view trim(std::string_view text);
std::string to_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
std::vector<std::string_view> split(std::string_view text, char separator);
bool is_valid_utf8(std::string_view text);

}  // namespace mango::http
