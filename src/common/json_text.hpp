// A JSON value as error messages show it: its compact text, never throwing
// (strings that are not UTF-8 are dumped with U+FFFD in place of the bad
// bytes; nlohmann's default would throw) and cut to a short prefix.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/text.hpp"

namespace netmod {

// The whole text, for output that must be valid JSON (protocol answers).
template <class Json>
std::string dump_safely(const Json& v, int indent = -1) {
  return v.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// At most kQuoteMaxChars characters of the value's text.
template <class Json>
std::string excerpt(const Json& v) {
  return shorten(dump_safely(v));
}

}  // namespace netmod
