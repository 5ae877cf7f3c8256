#include "config/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace netmod::config {
namespace {

const char* no_env(const char*) { return nullptr; }

TEST(Config, DefaultsWhenNothingIsGiven) {
  auto c = parse_config("{}", "test");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->datastore.path, "/var/lib/netmod/netmod.db");
  EXPECT_EQ(c->release_cooldown_ms, 30000);
  ASSERT_EQ(c->default_pools.size(), 2u);
  EXPECT_EQ(c->default_pools[0].cidr.str(), "10.65.0.0/16");
  EXPECT_FALSE(c->hostname);
}

TEST(Config, ParsesEveryKey) {
  auto c = parse_config(R"({"datastore": {"type": "embedded", "path": "/tmp/x.db", "busy_timeout_ms": 50},
    "hostname": "agent-7", "default_pools": [{"cidr": "10.1.0.0/16", "block_size": 28, "nat_outgoing": true}],
    "release_cooldown_seconds": 0, "mtu": 9000})",
                        "test");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->datastore.path, "/tmp/x.db");
  EXPECT_EQ(c->datastore.busy_timeout_ms, 50);
  EXPECT_EQ(*c->hostname, "agent-7");
  ASSERT_EQ(c->default_pools.size(), 1u);
  EXPECT_EQ(*c->default_pools[0].block_size, 28u);
  EXPECT_TRUE(c->default_pools[0].nat_outgoing);
  EXPECT_EQ(c->release_cooldown_ms, 0);
  EXPECT_EQ(c->mtu, 9000u);
}

TEST(Config, TypoedKeyIsNamed) {
  struct Case {
    const char* doc;
    const char* message;
  };
  for (const Case& c : {Case{R"({"hostnme": "a"})", "unknown key \"hostnme\" (did you mean \"hostname\"?)"},
                        Case{R"({"datastore": {"pth": "/x"}})", "unknown key \"pth\" (did you mean \"path\"?)"},
                        Case{R"({"zzzzzzzz": 1})", "unknown key \"zzzzzzzz\""},
                        Case{R"({"hostname": 5})", "\"hostname\" must be a string"},
                        Case{R"({"datastore": {"type": "zookeeper"}})", "not supported"},
                        Case{R"({"default_pools": [{"cidr": "10.0.0.1/8"}]})", "host bits"},
                        Case{R"({"release_cooldown_seconds": -1})", "release_cooldown_seconds"},
                        Case{R"({"mtu": 20})", "\"mtu\" must be an integer from 576"},
                        Case{"{not json", "not valid JSON"}}) {
    auto r = parse_config(c.doc, "/etc/netmod/netmod.conf");
    ASSERT_FALSE(r) << c.doc;
    EXPECT_NE(r.error().message.find(c.message), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("/etc/netmod/netmod.conf"), std::string::npos);
  }
}

TEST(Config, LoadOrder) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("netmod-config-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "a.conf") << R"({"hostname": "from-flag"})";
  std::ofstream(dir / "b.conf") << R"({"hostname": "from-env"})";
  std::string b = (dir / "b.conf").string();
  auto env = [&](const char* name) -> const char* {
    return std::string(name) == "NETMOD_CONFIG" ? b.c_str() : nullptr;
  };
  EXPECT_EQ(*load_config((dir / "a.conf").string(), env)->hostname, "from-flag");
  EXPECT_EQ(*load_config(std::nullopt, env)->hostname, "from-env");
  // A named file that does not exist is an error; the default path is optional.
  auto missing = load_config((dir / "nope.conf").string(), no_env);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("nope.conf"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace netmod::config

namespace netmod::config {
namespace {

TEST(Config, TheInstalledExampleParses) {
  std::ifstream in(std::string(NETMOD_SOURCE_DIR) + "/etc/netmod.conf.example");
  ASSERT_TRUE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  auto c = parse_config(ss.str(), "netmod.conf.example");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->datastore.path, kDefaultDatastorePath);
}

TEST(Config, LayersOverABase) {
  auto file = parse_config(R"({"datastore": {"path": "/srv/netmod.db", "busy_timeout_ms": 200}, "hostname": "h1",
    "mtu": 9000})", "/etc/netmod/netmod.conf");
  ASSERT_TRUE(file);
  // A network config that names only another hostname keeps the file's store.
  auto net = parse_config(R"({"hostname": "h2"})", "network \"n\"", *file);
  ASSERT_TRUE(net) << net.error().message;
  EXPECT_EQ(net->datastore.path, "/srv/netmod.db");
  EXPECT_EQ(net->datastore.busy_timeout_ms, 200);
  EXPECT_EQ(*net->hostname, "h2");
  EXPECT_EQ(net->mtu, 9000u);
  // Datastore keys override one by one.
  auto path_only = parse_config(R"({"datastore": {"path": "/tmp/other.db"}})", "network \"n\"", *file);
  ASSERT_TRUE(path_only);
  EXPECT_EQ(path_only->datastore.path, "/tmp/other.db");
  EXPECT_EQ(path_only->datastore.busy_timeout_ms, 200);
  EXPECT_NE(path_only->source.find("/etc/netmod/netmod.conf"), std::string::npos) << path_only->source;
}

}  // namespace
}  // namespace netmod::config

namespace netmod::config {
namespace {

TEST(Config, EtcdDatastore) {
  auto c = parse_config(R"({"datastore": {"type": "etcd", "endpoints": ["http://10.0.0.1:2379", "https://etcd-2:2379"],
                            "prefix": "/cluster-a/netmod", "timeout_ms": 800,
                            "tls": {"ca": "/etc/netmod/ca.pem", "cert": "/etc/netmod/c.pem", "key": "/etc/netmod/k.pem"}}})",
                        "t");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->datastore.type, "etcd");
  EXPECT_EQ(c->datastore.endpoints, (std::vector<std::string>{"http://10.0.0.1:2379", "https://etcd-2:2379"}));
  EXPECT_EQ(c->datastore.prefix, "/cluster-a/netmod");
  EXPECT_EQ(c->datastore.timeout_ms, 800);
  EXPECT_EQ(c->datastore.tls_ca, "/etc/netmod/ca.pem");
  EXPECT_EQ(c->datastore.tls_key, "/etc/netmod/k.pem");
}

TEST(Config, BadEtcdDatastoresAreNamed) {
  struct Case {
    const char* doc;
    const char* message;
  };
  for (const Case& c : {
           Case{R"({"datastore": {"type": "etcd"}})", "needs at least one endpoint"},
           Case{R"({"datastore": {"type": "etcd", "endpoints": []}})", "datastore.endpoints\" must be a non-empty list"},
           Case{R"({"datastore": {"type": "etcd", "endpoints": ["127.0.0.1:2379"]}})", "http or https"},
           Case{R"({"datastore": {"type": "etcd", "endpoints": ["http://a:1/v3"]}})", "no path"},
           Case{R"({"datastore": {"type": "etcd", "endpoints": ["http://a:1"], "prefix": "netmod"}})", "starting with '/'"},
           Case{R"({"datastore": {"type": "etcd", "endpoints": ["http://a:1"], "timeout_ms": 0}})", "from 1 to 600000"},
           Case{R"({"datastore": {"type": "etcd", "endpoints": ["http://a:1"], "tls": {"cert": "/c"}}})", "go together"},
           Case{R"({"datastore": {"type": "etcd", "endpoints": ["http://a:1"], "tls": {"crt": "/c"}}})", "unknown key \"crt\""},
       }) {
    auto r = parse_config(c.doc, "/etc/netmod/netmod.conf");
    ASSERT_FALSE(r) << c.doc;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find(c.message), std::string::npos) << c.doc << ": " << r.error().message;
  }
}

TEST(Config, OpeningAnEtcdStoreWithMissingTlsFilesNamesTheFile) {
  DatastoreConfig d;
  d.type = "etcd";
  d.endpoints = {"https://127.0.0.1:1"};
  d.tls_ca = "/nonexistent/netmod-ca.pem";
  auto s = open_store(d);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("/nonexistent/netmod-ca.pem"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace netmod::config

namespace netmod::config {
namespace {

TEST(Config, AgentDnsDefaultsToTheFabricAndMarathonMesos) {
  auto c = parse_config("{}", "t");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->agent.dns_on_fabric);
  EXPECT_TRUE(c->agent.dns_addresses.empty());
  EXPECT_EQ(c->agent.dns_domain.str(), "marathon.mesos");
}

TEST(Config, AgentDnsAddressesAndDomain) {
  struct Case {
    const char* doc;
    bool on_fabric;
    std::vector<std::string> addresses;
  };
  for (const Case& c : {
           Case{R"({"agent": {"dns_address": "auto"}})", true, {}},
           Case{R"({"agent": {"dns_address": ""}})", false, {}},
           Case{R"({"agent": {"dns_address": []}})", false, {}},
           Case{R"({"agent": {"dns_address": "10.0.0.1"}})", false, {"10.0.0.1:53"}},
           Case{R"({"agent": {"dns_address": "127.0.0.1:5353"}})", false, {"127.0.0.1:5353"}},
           Case{R"({"agent": {"dns_address": ["auto", "[::1]:5353", "fd00::1"]}})", true, {"[::1]:5353", "[fd00::1]:53"}},
       }) {
    auto r = parse_config(c.doc, "t");
    ASSERT_TRUE(r) << c.doc << ": " << r.error().message;
    EXPECT_EQ(r->agent.dns_on_fabric, c.on_fabric) << c.doc;
    std::vector<std::string> got;
    for (const auto& e : r->agent.dns_addresses) got.push_back(e.str());
    EXPECT_EQ(got, c.addresses) << c.doc;
  }
  auto d = parse_config(R"({"agent": {"dns_domain": "Cluster-1.Example."}})", "t");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->agent.dns_domain.str(), "cluster-1.example");
}

TEST(Config, BadAgentDnsValuesAreNamed) {
  struct Case {
    const char* doc;
    const char* message;
  };
  for (const Case& c : {
           Case{R"({"agent": {"dns_address": 53}})", "\"agent.dns_address\" must be \"auto\""},
           Case{R"({"agent": {"dns_address": ["auto", ""]}})", "\"agent.dns_address\" must be"},
           Case{R"({"agent": {"dns_address": "dns.example:53"}})", "agent.dns_address: \"dns.example:53\" is not an address"},
           Case{R"({"agent": {"dns_address": "10.0.0.1:99999"}})", "agent.dns_address: \"10.0.0.1:99999\""},
           Case{R"({"agent": {"dns_address": "10.0.0.1:0"}})", "agent.dns_address: \"10.0.0.1:0\": port 0"},
           Case{R"({"agent": {"dns_address": "fd00::1:53:x"}})", "agent.dns_address"},
           Case{R"({"agent": {"dns_domain": ""}})", "agent.dns_domain: DNS domain \"\" is empty"},
           Case{R"({"agent": {"dns_domain": "my_domain.mesos"}})", "agent.dns_domain: DNS domain \"my_domain.mesos\""},
           Case{R"({"agent": {"dns_domain": ["mesos"]}})", "\"agent.dns_domain\" must be a DNS domain"},
           Case{R"({"agent": {"dns_adress": "auto"}})", "unknown key \"dns_adress\" (did you mean \"dns_address\"?)"},
       }) {
    auto r = parse_config(c.doc, "/etc/netmod/netmod.conf");
    ASSERT_FALSE(r) << c.doc;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find(c.message), std::string::npos) << c.doc << ": " << r.error().message;
    EXPECT_NE(r.error().message.find("/etc/netmod/netmod.conf"), std::string::npos);
  }
}

}  // namespace
}  // namespace netmod::config
