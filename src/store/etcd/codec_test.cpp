#include "store/etcd/codec.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace netmod::store::etcd {
namespace {

using nlohmann::json;

TEST(EtcdBase64, RoundTripsEveryLengthAndByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n <= all.size(); n += 1) {
    std::string s = all.substr(0, n);
    auto d = base64_decode(base64_encode(s));
    ASSERT_TRUE(d) << n;
    EXPECT_EQ(*d, s);
  }
  EXPECT_EQ(base64_encode("/a"), "L2E=");
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
}

TEST(EtcdBase64, RefusesWhatIsNotCanonical) {
  for (const char* bad : {"L2E", "L2E==", "L2F=", "L$E=", "=L2E", "L=2E", "aGVsbG8=aGVs"}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
}

TEST(EtcdCodec, RangeRequestCarriesOnlyWhatIsSet) {
  EXPECT_EQ(json::parse(encode_range({"/a", "", 0, 0})), json({{"key", "L2E="}}));
  auto r = json::parse(encode_range({"/a/", "/a0", 7, 100}));
  EXPECT_EQ(r["range_end"], "L2Ew");
  EXPECT_EQ(r["revision"], "7");
  EXPECT_EQ(r["limit"], "100");
}

TEST(EtcdCodec, DecodesARangeAnswerAsEtcdWritesIt) {
  // As etcd 3.4 answers: numbers as strings, an empty value left out.
  auto r = decode_range(
      R"({"header":{"cluster_id":"3249","member_id":"3319","revision":"12","raft_term":"2"},)"
      R"("kvs":[{"key":"L2E=","create_revision":"2","mod_revision":"5","version":"1","value":"aGVsbG8="},)"
      R"({"key":"L2I=","create_revision":"9","mod_revision":"9","version":"1"}],"count":"2","more":true})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->revision, 12);
  EXPECT_TRUE(r->more);
  ASSERT_EQ(r->kvs.size(), 2u);
  EXPECT_EQ(r->kvs[0].key, "/a");
  EXPECT_EQ(r->kvs[0].value, "hello");
  EXPECT_EQ(r->kvs[0].revision, 5);
  EXPECT_EQ(r->kvs[1].value, "");
  auto empty = decode_range(R"({"header":{"revision":"3"}})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->kvs.empty());
}

TEST(EtcdCodec, MalformedAnswersAreErrorsNotCrashes) {
  for (const char* bad : {"", "[]", "{", R"({"kvs":{}})", R"({"kvs":[1]})", R"({"kvs":[{"key":"%%%"}]})",
                          R"({"kvs":[{"key":"L2E=","mod_revision":"x"}]})", R"({"header":{"revision":[]}})",
                          R"({"kvs":[{"value":"L2E="}]})"}) {
    auto r = decode_range(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::unavailable) << bad;
  }
}

TEST(EtcdCodec, TxnEncodesComparesAndOps) {
  auto t = json::parse(encode_txn({{TxnCompare::Kind::mod_equal, "/a", "", 0}, {TxnCompare::Kind::mod_less, "/p/", "/p0", 9}},
                                  {{Op::Kind::put, "/a", "v", 0}, {Op::Kind::put, "/l", "", 42}, {Op::Kind::del, "/b", "", 0}}));
  EXPECT_EQ(t["compare"][0], json({{"key", "L2E="}, {"target", "MOD"}, {"result", "EQUAL"}, {"mod_revision", "0"}}));
  EXPECT_EQ(t["compare"][1]["result"], "LESS");
  EXPECT_EQ(t["compare"][1]["range_end"], "L3Aw");
  EXPECT_EQ(t["success"][0], json({{"request_put", {{"key", "L2E="}, {"value", "dg=="}}}}));
  EXPECT_EQ(t["success"][1]["request_put"]["lease"], "42");
  EXPECT_EQ(t["success"][2], json({{"request_delete_range", {{"key", "L2I="}}}}));
}

TEST(EtcdCodec, AFailedTxnHasNoSucceeded) {
  auto failed = decode_txn(R"({"header":{"revision":"2"}})");
  ASSERT_TRUE(failed);
  EXPECT_FALSE(failed->succeeded);
  auto done = decode_txn(R"({"header":{"revision":"3"},"succeeded":true,"responses":[]})");
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->succeeded);
  EXPECT_EQ(done->revision, 3);
}

TEST(EtcdCodec, WatchMessages) {
  auto created = decode_watch_message(R"({"result":{"header":{"revision":"3"},"created":true}})");
  ASSERT_TRUE(created);
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->revision, 3);
  auto events = decode_watch_message(
      R"({"result":{"header":{"revision":"4"},"events":[{"kv":{"key":"L2E=","mod_revision":"4","value":"dg=="}},)"
      R"({"type":"DELETE","kv":{"key":"L2I=","mod_revision":"4"}}]}})");
  ASSERT_TRUE(events) << events.error().message;
  ASSERT_EQ(events->events.size(), 2u);
  EXPECT_EQ(events->events[0].kind, Event::Kind::put);
  EXPECT_EQ(events->events[0].value, "v");
  EXPECT_EQ(events->events[1].kind, Event::Kind::del);
  EXPECT_EQ(events->events[1].key, "/b");
  EXPECT_EQ(events->events[1].revision, 4);
  auto compacted = decode_watch_message(R"({"result":{"header":{},"canceled":true,"compact_revision":"2"}})");
  ASSERT_TRUE(compacted);
  EXPECT_TRUE(compacted->canceled);
  EXPECT_EQ(compacted->compact_revision, 2);
  EXPECT_FALSE(decode_watch_message(R"({"result":{"events":[{"type":"RENAME","kv":{"key":"L2E="}}]}})"));
  EXPECT_FALSE(decode_watch_message(R"({"error":{"grpc_code":14,"message":"unavailable"}})"));
  EXPECT_FALSE(decode_watch_message(R"({"result":{"events":[{}]}})"));
}

TEST(EtcdCodec, LeaseAnswers) {
  auto grant = decode_lease(R"({"header":{"revision":"3"},"ID":"2324035790510417420","TTL":"2"})");
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->id, 2324035790510417420);
  EXPECT_EQ(grant->ttl, 2);
  // A keepalive of an expired lease: no TTL.
  auto expired = decode_lease(R"({"result":{"header":{"revision":"3"},"ID":"2324035790510417423"}})");
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->ttl, 0);
  EXPECT_EQ(json::parse(encode_lease_grant(5)), json({{"TTL", "5"}}));
}

TEST(EtcdCodec, ErrorAnswers) {
  auto e = decode_error(R"({"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5})");
  EXPECT_EQ(e.code, 5);
  EXPECT_EQ(e.message, "etcdserver: requested lease not found");
  auto plain = decode_error("Bad Gateway");
  EXPECT_EQ(plain.message, "Bad Gateway");
  EXPECT_EQ(plain.code, 0);
}

}  // namespace
}  // namespace netmod::store::etcd
