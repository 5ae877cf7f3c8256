#include "ipam/keys.hpp"

namespace netmod::ipam::keys {

std::string escape_segment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '%' || c == '/' || c <= ' ' || c > '~') {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out;
}

std::string unescape_segment(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string block(const net::Cidr& cidr) {
  return std::string(kBlocks) + escape_segment(cidr.str());
}

std::string affinity_prefix(std::string_view host) {
  return std::string(kAffinity) + escape_segment(host) + "/";
}

std::string affinity(std::string_view host, const net::Cidr& block) {
  return affinity_prefix(host) + escape_segment(block.str());
}

std::string handle(std::string_view handle) { return std::string(kHandles) + escape_segment(handle); }

std::string host(std::string_view host) { return std::string(kHosts) + escape_segment(host); }

}  // namespace netmod::ipam::keys
