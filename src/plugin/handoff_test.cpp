#include "plugin/handoff.hpp"

#include <gtest/gtest.h>

#include "dataplane/nft_netlink.hpp"
#include "dataplane/rtnl.hpp"

namespace netmod::plugin::handoff {
namespace {

Piece sample() {
  Piece p;
  p.rtnl_fd = 5;
  p.nf_fd = 6;
  dataplane::FollowUp::Transaction t;
  t.guarded = true;
  t.msgs.push_back(dataplane::nftnl::del_element(dataplane::ruleset::fast_pending("nm0123456789ab")));
  for (auto& m : dataplane::nftnl::add_fast_hook("nm0123456789ab")) t.msgs.push_back(std::move(m));
  p.work.kernel.nf_transactions.push_back(std::move(t));
  p.work.kernel.rtnl.push_back(dataplane::rtnl::add_proxy_neighbour(7, *net::IpAddress::parse("fe80::1")));
  p.work.kernel.delete_links = {42};
  p.work.release_handles = {"cni:c1:eth0"};
  p.work.datastore.path = "/var/lib/netmod/\xff.db";  // any bytes
  p.work.datastore.busy_timeout_ms = 250;
  return p;
}

TEST(Handoff, WorkComesBackAsItWasHandedOn) {
  std::vector<Piece> in;
  in.push_back(sample());
  in.push_back(Piece{7, -1, {}});
  auto out = decode(encode(in));
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->size(), 2u);
  const Piece& p = (*out)[0];
  EXPECT_EQ(p.rtnl_fd, 5);
  EXPECT_EQ(p.nf_fd, 6);
  ASSERT_EQ(p.work.kernel.nf_transactions.size(), 1u);
  const auto& t = p.work.kernel.nf_transactions[0];
  EXPECT_TRUE(t.guarded);
  ASSERT_EQ(t.msgs.size(), 4u);
  const Piece want = sample();
  for (size_t i = 0; i < t.msgs.size(); ++i) {
    EXPECT_EQ(t.msgs[i].bytes(), want.work.kernel.nf_transactions[0].msgs[i].bytes());
    EXPECT_EQ(t.msgs[i].what(), want.work.kernel.nf_transactions[0].msgs[i].what());
  }
  ASSERT_EQ(p.work.kernel.rtnl.size(), 1u);
  EXPECT_EQ(p.work.kernel.rtnl[0].bytes(), want.work.kernel.rtnl[0].bytes());
  EXPECT_EQ(p.work.kernel.delete_links, std::vector<int>{42});
  EXPECT_EQ(p.work.release_handles, std::vector<std::string>{"cni:c1:eth0"});
  EXPECT_EQ(p.work.datastore.path, want.work.datastore.path);
  EXPECT_EQ(p.work.datastore.busy_timeout_ms, 250);
  EXPECT_EQ((*out)[1].nf_fd, -1);
  EXPECT_TRUE((*out)[1].work.empty());
}

TEST(Handoff, AnythingElseIsAClearError) {
  std::string good = encode({sample()});
  for (const std::string& bad :
       {std::string(""), std::string("{"), std::string("{}"), std::string("[1]"),
        std::string("[{\"rtnl\": 1}]"),  // stdio is no socket
        [&] { std::string s = good; s.replace(s.find("\"rtnl\":5"), 8, "\"rtnl\":\"5\""); return s; }(),
        [&] { std::string s = good; s.replace(s.find("\"bytes\":\"") + 9, 2, "zz"); return s; }(),
        [&] { std::string s = good; s.replace(s.find("\"bytes\":\"") + 9, 8, "ffffffff"); return s; }(),
        [&] { std::string s = good; s.replace(s.find("[42]"), 4, "[-1]"); return s; }()}) {
    auto r = decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("handed-on follow-up work"), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace netmod::plugin::handoff
