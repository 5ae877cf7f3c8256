#include "plugin/handoff.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "common/json_text.hpp"

namespace netmod::plugin::handoff {

using nlohmann::json;

namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::optional<std::string> unhex(const std::string& s) {
  if (s.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out(s.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

json messages(const std::vector<dataplane::NlMessage>& msgs) {
  json out = json::array();
  for (const auto& m : msgs) out.push_back({{"what", m.what()}, {"bytes", hex(m.bytes())}});
  return out;
}

Error bad(const std::string& what) { return make_error(Errc::invalid_argument, "handed-on follow-up work: " + what); }

Result<std::vector<dataplane::NlMessage>> messages_of(const json& j) {
  if (!j.is_array()) return bad("messages are not a list");
  std::vector<dataplane::NlMessage> out;
  for (const auto& m : j) {
    if (!m.is_object() || !m.contains("what") || !m["what"].is_string() || !m.contains("bytes") ||
        !m["bytes"].is_string()) {
      return bad("a message is not {what, bytes}");
    }
    const auto b = unhex(m["bytes"].get<std::string>());
    if (!b) return bad("the bytes of \"" + m["what"].get<std::string>() + "\" are not hexadecimal");
    auto msg = dataplane::NlMessage::from_bytes(*b, m["what"].get<std::string>());
    if (!msg) return bad("\"" + m["what"].get<std::string>() + "\" is not one netlink message");
    out.push_back(std::move(*msg));
  }
  return out;
}

Result<int> descriptor(const json& j, const char* name, bool optional) {
  if (!j.contains(name) || !j[name].is_number_integer()) return bad(std::string(name) + " is missing");
  const auto fd = j[name].get<int64_t>();
  if (fd < (optional ? -1 : 3) || (fd >= 0 && fd < 3) || fd > 1 << 20) return bad(std::string(name) + " is no socket descriptor");
  return static_cast<int>(fd);
}

Result<std::vector<std::string>> strings(const json& j, const char* name) {
  if (!j.contains(name) || !j[name].is_array()) return bad(std::string(name) + " is not a list");
  std::vector<std::string> out;
  for (const auto& s : j[name]) {
    if (!s.is_string()) return bad(std::string(name) + " holds a non-string");
    out.push_back(s.get<std::string>());
  }
  return out;
}

Result<Piece> piece_of(const json& j) {
  if (!j.is_object()) return bad("a piece is not an object");
  Piece p;
  NETMOD_ASSIGN_OR_RETURN(p.rtnl_fd, descriptor(j, "rtnl", false));
  NETMOD_ASSIGN_OR_RETURN(p.nf_fd, descriptor(j, "nf", true));
  if (!j.contains("nf_transactions") || !j["nf_transactions"].is_array()) return bad("nf_transactions is not a list");
  for (const auto& t : j["nf_transactions"]) {
    if (!t.is_object() || !t.contains("guarded") || !t["guarded"].is_boolean() || !t.contains("msgs")) {
      return bad("an nf_tables transaction is not {guarded, msgs}");
    }
    dataplane::FollowUp::Transaction tx;
    tx.guarded = t["guarded"].get<bool>();
    NETMOD_ASSIGN_OR_RETURN(tx.msgs, messages_of(t["msgs"]));
    p.work.kernel.nf_transactions.push_back(std::move(tx));
  }
  if (!j.contains("rtnl_msgs")) return bad("rtnl_msgs is missing");
  NETMOD_ASSIGN_OR_RETURN(p.work.kernel.rtnl, messages_of(j["rtnl_msgs"]));
  if (!j.contains("delete_links") || !j["delete_links"].is_array()) return bad("delete_links is not a list");
  for (const auto& i : j["delete_links"]) {
    if (!i.is_number_integer() || i.get<int64_t>() <= 0 || i.get<int64_t>() > INT32_MAX) {
      return bad("delete_links holds no interface index");
    }
    p.work.kernel.delete_links.push_back(static_cast<int>(i.get<int64_t>()));
  }
  NETMOD_ASSIGN_OR_RETURN(p.work.release_handles, strings(j, "release_handles"));
  const json* ds = j.contains("datastore") ? &j["datastore"] : nullptr;
  if (!ds || !ds->is_object() || !ds->contains("type") || !(*ds)["type"].is_string() || !ds->contains("path") ||
      !(*ds)["path"].is_string() || !ds->contains("busy_timeout_ms") || !(*ds)["busy_timeout_ms"].is_number_integer()) {
    return bad("datastore is not {type, path, busy_timeout_ms}");
  }
  p.work.datastore.type = (*ds)["type"].get<std::string>();
  const auto path = unhex((*ds)["path"].get<std::string>());
  if (!path) return bad("the datastore path is not hexadecimal");
  p.work.datastore.path = *path;
  const auto timeout = (*ds)["busy_timeout_ms"].get<int64_t>();
  if (timeout < 0 || timeout > INT32_MAX) return bad("busy_timeout_ms is out of range");
  p.work.datastore.busy_timeout_ms = static_cast<int>(timeout);
  return p;
}

}  // namespace

std::string encode(const std::vector<Piece>& pieces) {
  json out = json::array();
  for (const auto& p : pieces) {
    json tx = json::array();
    for (const auto& t : p.work.kernel.nf_transactions) tx.push_back({{"guarded", t.guarded}, {"msgs", messages(t.msgs)}});
    out.push_back({{"rtnl", p.rtnl_fd},
                   {"nf", p.nf_fd},
                   {"nf_transactions", std::move(tx)},
                   {"rtnl_msgs", messages(p.work.kernel.rtnl)},
                   {"delete_links", p.work.kernel.delete_links},
                   {"release_handles", p.work.release_handles},
                   {"datastore",
                    {{"type", p.work.datastore.type},
                     {"path", hex(p.work.datastore.path)},  // any bytes
                     {"busy_timeout_ms", p.work.datastore.busy_timeout_ms}}}});
  }
  return dump_safely(out);
}

Result<std::vector<Piece>> decode(std::string_view bytes) {
  const json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded()) return bad("not JSON");
  if (!j.is_array()) return bad("not a list of pieces");
  std::vector<Piece> out;
  for (const auto& p : j) {
    NETMOD_ASSIGN_OR_RETURN(Piece piece, piece_of(p));
    out.push_back(std::move(piece));
  }
  return out;
}

}  // namespace netmod::plugin::handoff
