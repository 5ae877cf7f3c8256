#include "store/etcd/codec.hpp"

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>

#include "common/json_fields.hpp"
#include "common/text.hpp"

namespace netmod::store::etcd {

using nlohmann::json;

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> decode_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kDecode = decode_table();

Error malformed(std::string_view what, std::string_view why) {
  return make_error(Errc::unavailable, "etcd answered a " + std::string(what) + " netmod cannot read: " + std::string(why));
}

// etcd writes 64-bit numbers as JSON strings; accept a plain number too.
Result<int64_t> int64_of(const JsonObject& o, std::string_view key, std::string_view what) {
  const json* v = o.raw(key);
  if (!v) return int64_t{0};
  if (v->is_number_integer()) return v->get<int64_t>();
  if (!v->is_string()) return malformed(what, o.where(key) + " is not a number");
  const auto& s = v->get_ref<const std::string&>();
  int64_t out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size()) return malformed(what, o.where(key) + " is not a number");
  return out;
}

Result<bool> bool_of(const JsonObject& o, std::string_view key, std::string_view what) {
  const json* v = o.raw(key);
  if (!v) return false;
  if (!v->is_boolean()) return malformed(what, o.where(key) + " is not true or false");
  return v->get<bool>();
}

Result<std::string> bytes_of(const JsonObject& o, std::string_view key, std::string_view what) {
  const json* v = o.raw(key);
  if (!v) return std::string();
  if (!v->is_string()) return malformed(what, o.where(key) + " is not a string");
  auto decoded = base64_decode(v->get_ref<const std::string&>());
  if (!decoded) return malformed(what, o.where(key) + " is not base64");
  return std::move(*decoded);
}

Result<JsonObject> parse_object(const json& doc, std::string_view what) {
  if (!doc.is_object()) return malformed(what, "not a JSON object");
  return JsonObject(doc, "");
}

Result<int64_t> header_revision(const JsonObject& o, std::string_view what) {
  NETMOD_ASSIGN_OR_RETURN(auto header, o.object("header"));
  if (!header) return int64_t{0};
  return int64_of(*header, "revision", what);
}

Result<KeyValue> kv_of(const json& v, std::string_view what) {
  if (!v.is_object()) return malformed(what, "a key-value is not an object");
  JsonObject o(v, "kv.");
  KeyValue kv;
  NETMOD_ASSIGN_OR_RETURN(kv.key, bytes_of(o, "key", what));
  NETMOD_ASSIGN_OR_RETURN(kv.value, bytes_of(o, "value", what));
  NETMOD_ASSIGN_OR_RETURN(kv.revision, int64_of(o, "mod_revision", what));
  if (kv.key.empty()) return malformed(what, "a key-value has no key");
  return kv;
}

std::string num(int64_t v) { return std::to_string(v); }

// What the parse helpers call invalid input is, here, an answer netmod
// cannot read: the store is unusable for now (CNI code 11).
template <class T>
Result<T> as_answer(Result<T> r, std::string_view what) {
  if (r || r.error().code == Errc::unavailable) return r;
  return malformed(what, r.error().message);
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint8_t(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (size_t rest = bytes.size() - i; rest > 0) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16;
    if (rest == 2) n |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      char c = text[i + j];
      if (c == '=' && last && j >= 2) {
        ++pad;
        v[j] = 0;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[j] = kDecode[static_cast<unsigned char>(c)];
      if (v[j] < 0) return std::nullopt;
    }
    uint32_t n = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
    // Canonical only: the bits padding drops must be zero.
    if ((pad == 1 && (n & 0xff) != 0) || (pad == 2 && (n & 0xffff) != 0)) return std::nullopt;
  }
  return out;
}

std::string encode_range(const RangeRequest& r) {
  json doc = {{"key", base64_encode(r.key)}};
  if (!r.range_end.empty()) doc["range_end"] = base64_encode(r.range_end);
  if (r.revision > 0) doc["revision"] = num(r.revision);
  if (r.limit > 0) doc["limit"] = num(r.limit);
  return doc.dump();
}

static Result<RangeResponse> decode_range_impl(std::string_view body) {
  constexpr std::string_view what = "range answer";
  NETMOD_ASSIGN_OR_RETURN(auto doc, parse_json(body, what));
  NETMOD_ASSIGN_OR_RETURN(auto o, parse_object(doc, what));
  RangeResponse r;
  NETMOD_ASSIGN_OR_RETURN(r.revision, header_revision(o, what));
  NETMOD_ASSIGN_OR_RETURN(r.more, bool_of(o, "more", what));
  NETMOD_ASSIGN_OR_RETURN(const json* kvs, o.array("kvs"));
  if (kvs) {
    r.kvs.reserve(kvs->size());
    for (const auto& v : *kvs) {
      NETMOD_ASSIGN_OR_RETURN(auto kv, kv_of(v, what));
      r.kvs.push_back(std::move(kv));
    }
  }
  return r;
}

std::string encode_txn(const std::vector<TxnCompare>& compares, const std::vector<TxnOp>& ops) {
  json cmp = json::array();
  for (const auto& c : compares) {
    json one = {{"key", base64_encode(c.key)},
                {"target", "MOD"},
                {"result", c.kind == TxnCompare::Kind::mod_equal ? "EQUAL" : "LESS"},
                {"mod_revision", num(c.revision)}};
    if (!c.range_end.empty()) one["range_end"] = base64_encode(c.range_end);
    cmp.push_back(std::move(one));
  }
  json success = json::array();
  for (const auto& op : ops) {
    if (op.kind == Op::Kind::put) {
      json put = {{"key", base64_encode(op.key)}, {"value", base64_encode(op.value)}};
      if (op.lease != 0) put["lease"] = num(op.lease);
      success.push_back({{"request_put", std::move(put)}});
    } else {
      success.push_back({{"request_delete_range", {{"key", base64_encode(op.key)}}}});
    }
  }
  return json{{"compare", std::move(cmp)}, {"success", std::move(success)}}.dump();
}

static Result<TxnResponse> decode_txn_impl(std::string_view body) {
  constexpr std::string_view what = "txn answer";
  NETMOD_ASSIGN_OR_RETURN(auto doc, parse_json(body, what));
  NETMOD_ASSIGN_OR_RETURN(auto o, parse_object(doc, what));
  TxnResponse r;
  NETMOD_ASSIGN_OR_RETURN(r.revision, header_revision(o, what));
  NETMOD_ASSIGN_OR_RETURN(r.succeeded, bool_of(o, "succeeded", what));
  return r;
}

std::string encode_compaction(int64_t revision) { return json{{"revision", num(revision)}}.dump(); }

std::string encode_watch(const std::string& key, const std::string& range_end, int64_t start_revision) {
  json create = {{"key", base64_encode(key)}, {"start_revision", num(start_revision)}};
  if (!range_end.empty()) create["range_end"] = base64_encode(range_end);
  return json{{"create_request", std::move(create)}}.dump();
}

static Result<WatchMessage> decode_watch_message_impl(std::string_view line) {
  constexpr std::string_view what = "watch message";
  NETMOD_ASSIGN_OR_RETURN(auto doc, parse_json(line, what));
  NETMOD_ASSIGN_OR_RETURN(auto top, parse_object(doc, what));
  if (const json* err = top.raw("error")) {
    return make_error(Errc::unavailable, "etcd ended the watch: " + shorten(err->dump(-1, ' ', false, json::error_handler_t::replace)));
  }
  NETMOD_ASSIGN_OR_RETURN(auto result, top.object("result"));
  if (!result) return malformed(what, "no \"result\"");
  WatchMessage m;
  NETMOD_ASSIGN_OR_RETURN(m.revision, header_revision(*result, what));
  NETMOD_ASSIGN_OR_RETURN(m.created, bool_of(*result, "created", what));
  NETMOD_ASSIGN_OR_RETURN(m.canceled, bool_of(*result, "canceled", what));
  NETMOD_ASSIGN_OR_RETURN(m.compact_revision, int64_of(*result, "compact_revision", what));
  NETMOD_ASSIGN_OR_RETURN(auto reason, result->string("cancel_reason"));
  if (reason) m.cancel_reason = *reason;
  NETMOD_ASSIGN_OR_RETURN(const json* events, result->array("events"));
  if (events) {
    for (const auto& e : *events) {
      if (!e.is_object()) return malformed(what, "an event is not an object");
      JsonObject eo(e, "event.");
      NETMOD_ASSIGN_OR_RETURN(auto type, eo.string("type"));
      Event ev;
      if (!type || *type == "PUT") {
        ev.kind = Event::Kind::put;
      } else if (*type == "DELETE") {
        ev.kind = Event::Kind::del;
      } else {
        return malformed(what, "an event's type is " + quote(*type));
      }
      const json* kv = eo.raw("kv");
      if (!kv) return malformed(what, "an event has no kv");
      NETMOD_ASSIGN_OR_RETURN(auto parsed, kv_of(*kv, what));
      ev.key = std::move(parsed.key);
      if (ev.kind == Event::Kind::put) ev.value = std::move(parsed.value);
      ev.revision = parsed.revision;
      m.events.push_back(std::move(ev));
    }
  }
  return m;
}

std::string encode_lease_grant(int64_t ttl_seconds) { return json{{"TTL", num(ttl_seconds)}}.dump(); }
std::string encode_lease_id(int64_t id) { return json{{"ID", num(id)}}.dump(); }

static Result<LeaseResponse> decode_lease_impl(std::string_view body) {
  constexpr std::string_view what = "lease answer";
  NETMOD_ASSIGN_OR_RETURN(auto doc, parse_json(body, what));
  NETMOD_ASSIGN_OR_RETURN(auto top, parse_object(doc, what));
  NETMOD_ASSIGN_OR_RETURN(auto result, top.object("result"));
  const JsonObject& o = result ? *result : top;
  if (const json* err = o.raw("error"); err && err->is_string() && !err->get_ref<const std::string&>().empty()) {
    return make_error(Errc::unavailable, "etcd refused the lease: " + shorten(err->get<std::string>()));
  }
  LeaseResponse r;
  NETMOD_ASSIGN_OR_RETURN(r.id, int64_of(o, "ID", what));
  NETMOD_ASSIGN_OR_RETURN(r.ttl, int64_of(o, "TTL", what));
  if (r.ttl < 0) r.ttl = 0;
  return r;
}

Result<RangeResponse> decode_range(std::string_view body) { return as_answer(decode_range_impl(body), "range answer"); }
Result<TxnResponse> decode_txn(std::string_view body) { return as_answer(decode_txn_impl(body), "txn answer"); }
Result<WatchMessage> decode_watch_message(std::string_view line) {
  return as_answer(decode_watch_message_impl(line), "watch message");
}
Result<LeaseResponse> decode_lease(std::string_view body) { return as_answer(decode_lease_impl(body), "lease answer"); }

ErrorAnswer decode_error(std::string_view body) {
  ErrorAnswer a;
  auto doc = parse_json(body, "error answer");
  if (doc && doc->is_object()) {
    JsonObject o(*doc, "");
    auto msg = o.string("message");
    if (!msg || !*msg) msg = o.string("error");
    auto code = o.integer("code", 0, 1000);
    if (msg && *msg) a.message = **msg;
    if (code && *code) a.code = static_cast<int>(**code);
  }
  if (a.message.empty()) a.message = shorten(std::string(body));
  return a;
}

}  // namespace netmod::store::etcd
