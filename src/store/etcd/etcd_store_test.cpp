// The store contract (store_contract.cpp, watch_contract.cpp) against a
// real etcd this test process starts, plus what only etcd can get wrong:
// an unreachable endpoint, failing over, the key prefix.
#include "store/etcd/etcd_store.hpp"

#include <chrono>

#include "etcd_server.hpp"
#include "store/store_contract.hpp"

namespace netmod::store {
namespace {

using contract::Backend;
using contract::StoreContract;
using namespace std::chrono_literals;

testing::EtcdServer& server() {
  static auto* s = new testing::EtcdServer();  // one per test process, stopped at exit
  static const bool stopped_at_exit = [] {
    std::atexit([] { delete s; });
    return true;
  }();
  (void)stopped_at_exit;
  return *s;
}

EtcdOptions options_for(const std::string& prefix) {
  EtcdOptions o;
  o.http.endpoints = {server().endpoint()};
  o.http.timeout = 5000ms;
  o.prefix = prefix;
  o.logical_root = "";
  return o;
}

int next_prefix = 0;

INSTANTIATE_TEST_SUITE_P(Etcd, StoreContract, ::testing::Values(Backend{"etcd", [] {
  // Each store its own prefix: an empty key space on a shared etcd.
  const std::string prefix = "/t" + std::to_string(++next_prefix);
  return std::function<std::shared_ptr<Store>()>([prefix]() -> std::shared_ptr<Store> {
    auto s = EtcdStore::open(options_for(prefix));
    if (!s) ADD_FAILURE() << s.error().message;
    return s ? std::shared_ptr<Store>(std::move(*s)) : nullptr;
  });
}}));

TEST(EtcdStore, KeysLiveUnderThePrefixInPlaceOfTheRoot) {
  EtcdOptions o = options_for("/cluster-a/netmod/");
  o.logical_root = "/netmod";
  auto a = *EtcdStore::open(o);
  Txn t;
  t.ops.push_back({Op::Kind::put, "/netmod/v1/x", "1"});
  ASSERT_TRUE(*a->commit(t));
  // Seen through a store without a root: the real etcd key.
  auto raw = *EtcdStore::open(options_for("/cluster-a"));
  auto kv = raw->get("/netmod/v1/x");
  ASSERT_TRUE(kv && *kv);
  EXPECT_EQ((*kv)->value, "1");
  auto listed = *a->list("/netmod/v1/");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].key, "/netmod/v1/x");
  // A key outside the root is a bug of the caller, never written elsewhere.
  auto outside = a->get("/elsewhere");
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().code, Errc::internal);
}

TEST(EtcdStore, AnUnreachableEndpointIsAClearErrorWithinTheTimeout) {
  EtcdOptions o = options_for("/u");
  o.http.endpoints = {"http://127.0.0.1:" + std::to_string(testing::free_port())};
  o.http.timeout = 1000ms;
  auto s = *EtcdStore::open(o);
  const auto start = std::chrono::steady_clock::now();
  auto r = s->update([](Tx& tx) -> Result<void> {
    tx.put("/k", "v");
    return ok();
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_NE(r.error().message.find("etcd unreachable"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(o.http.endpoints[0]), std::string::npos) << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_FALSE(s->probe_write());
}

TEST(EtcdStore, FailsOverToTheNextEndpoint) {
  EtcdOptions o = options_for("/f");
  o.http.endpoints = {"http://127.0.0.1:" + std::to_string(testing::free_port()), server().endpoint()};
  auto s = *EtcdStore::open(o);
  Txn t;
  t.ops.push_back({Op::Kind::put, "/k", "v"});
  auto r = s->commit(t);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(*r);
  EXPECT_EQ((*s->get("/k"))->value, "v");
}

TEST(EtcdStore, MissingTlsFilesAreRefusedAtOpen) {
  EtcdOptions o = options_for("/tls");
  o.http.ca_file = "/nonexistent/ca.pem";
  auto s = EtcdStore::open(o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("/nonexistent/ca.pem"), std::string::npos) << s.error().message;
  o.http.ca_file.clear();
  o.http.cert_file = "/etc/hostname";
  auto half = EtcdStore::open(o);
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().code, Errc::invalid_argument);
}

TEST(EtcdStore, ListsLongerThanAPageAtOneRevision) {
  auto s = *EtcdStore::open(options_for("/page"));
  for (int batch = 0; batch < 3; ++batch) {
    Txn t;
    for (int i = 0; i < 2500; ++i) {
      t.ops.push_back({Op::Kind::put, "/p/" + std::to_string(batch * 2500 + i + 100000), "v"});
    }
    ASSERT_TRUE(*s->commit(t));
  }
  auto l = s->list("/p/");
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->size(), 7500u);
  EXPECT_EQ(l->front().key, "/p/100000");
  EXPECT_EQ(l->back().key, "/p/107499");
}

}  // namespace
}  // namespace netmod::store
