#include "net/client_features.h"

#include <algorithm>

namespace ferry {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool ListsFeature(std::string_view header_value, std::string_view feature) {
  while (!header_value.empty()) {
    const size_t comma = header_value.find(',');
    const std::string_view token = Trim(header_value.substr(0, comma));
    if (std::equal(token.begin(), token.end(), feature.begin(), feature.end(),
                   [](char a, char b) { return Lower(a) == Lower(b); })) {
      return true;
    }
    if (comma == std::string_view::npos) break;
    header_value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace ferry
