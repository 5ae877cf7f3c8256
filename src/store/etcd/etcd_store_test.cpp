// The store contract (store_contract.cpp, watch_contract.cpp) against a
// real etcd this test process starts, plus what only etcd can get wrong:
// an unreachable endpoint, failing over, the key prefix.
#include "store/etcd/etcd_store.hpp"

#include <chrono>
#include <thread>

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

namespace netmod::store {
namespace {

// A CA, a server certificate for 127.0.0.1 and a client certificate, made
// with openssl in `dir`.
void make_certs(const std::string& dir) {
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string script =
      "set -e; cd " + dir + "; exec 2>/dev/null >/dev/null;"
      "openssl req -x509 " + ec + " -keyout ca.key -out ca.pem -days 1 -subj /CN=netmod-test-ca;"
      "openssl req -x509 " + ec + " -keyout other-ca.key -out other-ca.pem -days 1 -subj /CN=other-ca;"
      "openssl req " + ec + " -keyout server.key -out server.csr -subj /CN=127.0.0.1;"
      "printf 'subjectAltName=IP:127.0.0.1\\n' > server.ext;"
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 -extfile server.ext;"
      "openssl req " + ec + " -keyout client.key -out client.csr -subj /CN=netmod;"
      "printf 'extendedKeyUsage=clientAuth\\n' > client.ext;"
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 1 -extfile client.ext";
  ASSERT_EQ(std::system(script.c_str()), 0) << "openssl failed";
}

class EtcdTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/dev/shm/netmod-tls-XXXXXX";
    dir_ = mkdtemp(tmpl);
    make_certs(dir_);
    testing::EtcdServer::Options o;
    o.scheme = "https";
    o.extra_args = {"--cert-file", dir_ + "/server.pem", "--key-file", dir_ + "/server.key",
                    "--trusted-ca-file", dir_ + "/ca.pem", "--client-cert-auth"};
    server_ = new testing::EtcdServer(o);
    // Served once it answers over TLS (the server's plain health probe
    // cannot ask): up to 20 s on a loaded machine.
    EtcdOptions ready;
    ready.http.endpoints = {server_->endpoint()};
    ready.http.ca_file = dir_ + "/ca.pem";
    ready.http.cert_file = dir_ + "/client.pem";
    ready.http.key_file = dir_ + "/client.key";
    ready.prefix = "/tls";
    ready.logical_root = "";
    auto probe = EtcdStore::open(ready);
    for (int i = 0; i < 200 && probe && !(*probe)->get("/ready"); ++i) std::this_thread::sleep_for(100ms);
  }
  static void TearDownTestSuite() {
    delete server_;
    std::string rm = "rm -rf " + dir_;
    (void)std::system(rm.c_str());
  }
  EtcdOptions tls(const std::string& ca, const std::string& cert, const std::string& key) {
    EtcdOptions o;
    o.http.endpoints = {server_->endpoint()};
    o.http.timeout = 3000ms;
    o.http.ca_file = ca.empty() ? "" : dir_ + "/" + ca;
    o.http.cert_file = cert.empty() ? "" : dir_ + "/" + cert;
    o.http.key_file = key.empty() ? "" : dir_ + "/" + key;
    o.prefix = "/tls";
    o.logical_root = "";
    return o;
  }
  static std::string dir_;
  static testing::EtcdServer* server_;
};
std::string EtcdTls::dir_;
testing::EtcdServer* EtcdTls::server_ = nullptr;

TEST_F(EtcdTls, WorksWithTheRightCaCertificateAndKey) {
  auto s = EtcdStore::open(tls("ca.pem", "client.pem", "client.key"));
  ASSERT_TRUE(s) << s.error().message;
  Txn t;
  t.ops.push_back({Op::Kind::put, "/k", "over tls"});
  auto r = (*s)->commit(t);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*(*s)->get("/k"))->value, "over tls");
}

TEST_F(EtcdTls, WrongFilesAreClearErrorsAndWriteNothing) {
  struct Case {
    EtcdOptions o;
    const char* what;
  };
  for (const Case& c : {Case{tls("other-ca.pem", "client.pem", "client.key"), "a CA that did not sign the server"},
                        Case{tls("ca.pem", "client.pem", "server.key"), "a key that is not the certificate's"},
                        Case{tls("ca.pem", "", ""), "no client certificate"}}) {
    auto s = EtcdStore::open(c.o);
    ASSERT_TRUE(s) << c.what << ": " << s.error().message;
    Txn t;
    t.ops.push_back({Op::Kind::put, "/wrong", "x"});
    auto r = (*s)->commit(t);
    ASSERT_FALSE(r) << c.what;
    EXPECT_EQ(r.error().code, Errc::unavailable) << c.what;
    EXPECT_NE(r.error().message.find(server_->endpoint()), std::string::npos) << c.what << ": " << r.error().message;
  }
  auto good = *EtcdStore::open(tls("ca.pem", "client.pem", "client.key"));
  EXPECT_FALSE(good->get("/wrong")->has_value());
}

}  // namespace
}  // namespace netmod::store
