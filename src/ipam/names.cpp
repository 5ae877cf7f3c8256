#include "ipam/names.hpp"

#include <algorithm>

#include "common/text.hpp"

namespace netmod::ipam {

namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

Error bad(std::string_view what, std::string_view text, std::string_view why) {
  std::string msg = "invalid ";
  msg.append(what).append(" ").append(quote(text)).append(": ").append(why);
  return make_error(Errc::invalid_argument, std::move(msg));
}

}  // namespace

Result<std::string> parse_hostname(std::string_view text) {
  if (text.empty()) return make_error(Errc::invalid_argument, "hostname is empty");
  if (text.size() > 253) return bad("hostname", text, "longer than 253 characters");
  for (char c : text) {
    if (!is_alnum(c) && c != '.' && c != '-' && c != '_' && c != ':') {
      return bad("hostname", text, "only letters, digits, '.', '-', '_' and ':' are allowed");
    }
  }
  return std::string(text);
}

Result<std::string> parse_handle(std::string_view text) {
  if (text.empty()) return make_error(Errc::invalid_argument, "uid is empty");
  if (text.size() > 255) return bad("uid", text, "longer than 255 characters");
  for (char c : text) {
    if (c <= ' ' || c > '~') return bad("uid", text, "whitespace and control characters are not allowed");
  }
  return std::string(text);
}

Result<std::string> parse_container_id(std::string_view text) {
  if (text.empty()) return make_error(Errc::invalid_argument, "container id is empty");
  if (text.size() > 255) return bad("container id", text, "longer than 255 characters");
  for (char c : text) {
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') {
      return bad("container id", text, "only letters, digits, '_', '.' and '-' are allowed");
    }
  }
  return std::string(text);
}

Result<std::string> parse_netgroup(std::string_view text) {
  if (text.empty()) return make_error(Errc::invalid_argument, "netgroup name is empty");
  if (text.size() > 63) return bad("netgroup", text, "longer than 63 characters");
  for (char c : text) {
    if (!is_alnum(c) && c != '.' && c != '-' && c != '_') {
      return bad("netgroup", text, "only letters, digits, '.', '-' and '_' are allowed");
    }
  }
  return std::string(text);
}

Result<std::vector<std::string>> parse_netgroups(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const auto& n : names) {
    NETMOD_ASSIGN_OR_RETURN(auto g, parse_netgroup(n));
    out.push_back(std::move(g));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace netmod::ipam
