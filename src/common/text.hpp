// Quoting what a user sent back to them, safely. Error messages name the
// bad value, but a value may be megabytes long, hold control characters or
// bytes that are not UTF-8: quote() keeps a short prefix, cut at a
// character boundary, and escapes anything that is not printable UTF-8, so
// a message is always short, readable and valid in any JSON answer.
#pragma once

#include <string>
#include <string_view>

namespace netmod {

// How many characters of a bad value an error message shows.
inline constexpr size_t kQuoteMaxChars = 40;

// "\"" + at most `max_chars` characters of `s` + "\"", non-printable
// characters and invalid UTF-8 bytes as \xNN, '"' and '\\' escaped, and
// "..." after the closing quote when `s` was cut.
std::string quote(std::string_view s, size_t max_chars = kQuoteMaxChars);

// The same without the quotes and without escaping '"' or '\\' (for text
// that is already quoted, such as a JSON value's dump).
std::string shorten(std::string_view s, size_t max_chars = kQuoteMaxChars);

// Whether `s` is well-formed UTF-8 (no overlong forms, no surrogates).
bool valid_utf8(std::string_view s);

}  // namespace netmod
