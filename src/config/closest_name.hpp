// Typo suggestions for unknown setting names ("did you mean ...?").
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mango::config {

// Levenshtein distance between two strings, compared case-insensitively (ASCII).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name`, if it is close enough to be a likely typo: at most 2 edits,
// and fewer edits than a third of the longer name (so short names do not match everything).
std::optional<std::string> closest_name(std::string_view name,
                                        std::span<const std::string_view> candidates);

}  // namespace mango::config
