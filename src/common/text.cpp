#include "common/text.hpp"

#include <cstdint>
#include <cstdio>

namespace netmod {

namespace {

// Length of the well-formed UTF-8 sequence at the start of `s`, or 0.
size_t utf8_sequence(std::string_view s) {
  const auto b0 = static_cast<uint8_t>(s[0]);
  if (b0 < 0x80) return 1;
  size_t len = 0;
  uint32_t min = 0, cp = 0;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2, min = 0x80, cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3, min = 0x800, cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4, min = 0x10000, cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    const auto b = static_cast<uint8_t>(s[i]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

void append_escaped_byte(std::string& out, uint8_t b) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "\\x%02x", b);
  out += buf;
}

}  // namespace

bool valid_utf8(std::string_view s) {
  while (!s.empty()) {
    size_t n = utf8_sequence(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

namespace {

// Appends at most `max_chars` characters of `s`, escaped; returns whether
// all of it fitted.
bool append_escaped(std::string& out, std::string_view s, size_t max_chars, bool escape_quotes) {
  size_t chars = 0;
  while (!s.empty() && chars < max_chars) {
    size_t n = utf8_sequence(s);
    const auto b = static_cast<uint8_t>(s[0]);
    if (n == 0 || (n == 1 && (b < 0x20 || b == 0x7f))) {
      append_escaped_byte(out, b);
      n = 1;
    } else if (escape_quotes && n == 1 && (b == '"' || b == '\\')) {
      out += '\\';
      out += static_cast<char>(b);
    } else {
      out.append(s.substr(0, n));
    }
    s.remove_prefix(n);
    ++chars;
  }
  return s.empty();
}

}  // namespace

std::string quote(std::string_view s, size_t max_chars) {
  std::string out = "\"";
  bool whole = append_escaped(out, s, max_chars, true);
  out += '"';
  if (!whole) out += "...";
  return out;
}

std::string shorten(std::string_view s, size_t max_chars) {
  std::string out;
  if (!append_escaped(out, s, max_chars, false)) out += "...";
  return out;
}

}  // namespace netmod
