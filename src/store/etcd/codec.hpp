// etcd v3's JSON gateway, as bytes: the requests netmod sends and the
// answers it reads (DESIGN.md, "Cluster"). Pure functions, no I/O, so every
// parser here is unit-tested and fuzzed (fuzz/etcd_response_fuzz.cpp).
//
// Wire facts (etcd 3.4, checked against a running server):
//  - keys and values are base64; 64-bit numbers are JSON strings;
//  - fields with default values are left out: a failed txn has no
//    "succeeded", a put event has no "type", an empty value no "value", an
//    expired lease's keepalive answer no "TTL";
//  - a non-200 answer is {"error", "message", "code"} (gRPC status codes);
//  - /v3/watch answers one chunked stream, one JSON object per line:
//    {"result": {"header", "created"}} first, then {"result": {"header",
//    "events": [...]}}; a watch from a compacted revision is answered
//    {"result": {"canceled": true, "compact_revision": "N"}}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/store.hpp"

namespace netmod::store::etcd {

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not canonical padded base64.
std::optional<std::string> base64_decode(std::string_view text);

// POST /v3/kv/range. `range_end` empty: the one key; "\0": every key from
// `key` on. revision 0: the newest.
struct RangeRequest {
  std::string key;
  std::string range_end;
  int64_t revision = 0;
  int64_t limit = 0;
};
std::string encode_range(const RangeRequest& r);

struct RangeResponse {
  int64_t revision = 0;  // the store's, when read
  std::vector<KeyValue> kvs;  // raw etcd keys; revision = mod_revision
  bool more = false;          // `limit` cut the answer short
};
Result<RangeResponse> decode_range(std::string_view body);

// POST /v3/kv/txn: every compare must hold for the ops to apply.
struct TxnCompare {
  enum class Kind {
    mod_equal,  // the key's mod_revision == revision (0: absent)
    mod_less,   // every key in [key, range_end) has mod_revision < revision
  };
  Kind kind = Kind::mod_equal;
  std::string key;
  std::string range_end;
  int64_t revision = 0;
};
struct TxnOp {
  Op::Kind kind = Op::Kind::put;
  std::string key;
  std::string value;
  int64_t lease = 0;  // put: the key goes with the lease
};
std::string encode_txn(const std::vector<TxnCompare>& compares, const std::vector<TxnOp>& ops);

struct TxnResponse {
  int64_t revision = 0;
  bool succeeded = false;
};
Result<TxnResponse> decode_txn(std::string_view body);

// POST /v3/kv/compaction.
std::string encode_compaction(int64_t revision);

// POST /v3/watch: a stream of WatchMessage lines.
std::string encode_watch(const std::string& key, const std::string& range_end, int64_t start_revision);

struct WatchMessage {
  int64_t revision = 0;  // the header's (0 when left out)
  bool created = false;
  bool canceled = false;
  int64_t compact_revision = 0;  // set with canceled: list again
  std::string cancel_reason;
  std::vector<Event> events;  // raw etcd keys
};
Result<WatchMessage> decode_watch_message(std::string_view line);

// POST /v3/lease/grant, /v3/lease/keepalive, /v3/lease/revoke.
std::string encode_lease_grant(int64_t ttl_seconds);
std::string encode_lease_id(int64_t id);
struct LeaseResponse {
  int64_t id = 0;
  int64_t ttl = 0;  // seconds left; 0: expired or unknown
};
// Reads a grant answer, or a keepalive answer (wrapped in "result").
Result<LeaseResponse> decode_lease(std::string_view body);

// A non-200 answer's message and gRPC code; the body itself when it is
// not etcd's error shape.
struct ErrorAnswer {
  std::string message;
  int code = 0;  // gRPC: 3 invalid argument, 5 not found, 11 out of range, 14 unavailable...
};
ErrorAnswer decode_error(std::string_view body);

}  // namespace netmod::store::etcd
