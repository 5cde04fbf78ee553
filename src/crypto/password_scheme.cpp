// Parsing helpers shared by the password schemes.
#include "password_scheme.hpp"

#include <charconv>

namespace mango::crypto {

std::vector<std::string_view> split_dollar(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dollar = text.find('$', start);
    if (dollar == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, dollar - start));
    start = dollar + 1;
  }
}

std::optional<std::uint32_t> parse_decimal(std::string_view text, std::uint32_t max) {
  if (text.empty() || (text.size() > 1 && text.front() == '0')) return std::nullopt;
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  // from_chars takes no sign or spaces, and reports overflow for "999999999999".
  if (error != std::errc{} || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

}  // namespace mango::crypto
