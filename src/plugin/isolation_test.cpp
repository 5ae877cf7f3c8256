#include "plugin/isolation.hpp"

#include <gtest/gtest.h>
#include <linux/rtnetlink.h>

#include "dataplane/fake_netlink.hpp"
#include "store/memory_store.hpp"

namespace netmod::plugin {
namespace {

using dataplane::FakeNetlink;

class RemovalTest : public ::testing::Test {
 protected:
  RemovalTest() : ipam_(store_, {}) {}
  void SetUp() override {
    ASSERT_TRUE(ipam_.add_pool({*net::Cidr::parse("10.65.0.0/16")}));
    auto a = ipam_.allocate(request("c1:eth0", "h1"));
    ASSERT_TRUE(a);
    ASSERT_TRUE(Endpoints(store_).create(record(a->v4)));
  }
  static ipam::AutoRequest request(std::string handle, std::string host) {
    ipam::AutoRequest req;
    req.handle = std::move(handle);
    req.host = std::move(host);
    req.num_v4 = 1;
    return req;
  }
  static EndpointRecord record(const std::vector<net::IpAddress>& addresses) {
    EndpointRecord rec;
    rec.container_id = "c1:eth0";
    rec.host.assign("h1");
    rec.host_ifname = dataplane::host_ifname("c1:eth0");
    rec.addresses = addresses;
    rec.netgroups = {"web"};
    return rec;
  }
  // A dataplane whose kernel answers a link lookup with `link_error`
  // (0: the link exists, index 42).
  dataplane::Dataplane fake_dataplane(int link_error) {
    rt_->script = [link_error](const nlmsghdr* h) {
      FakeNetlink::Answer a;
      if (h->nlmsg_type != RTM_GETLINK) return a;
      a.error = link_error;
      if (link_error == 0) {
        dataplane::NlMessage reply(RTM_NEWLINK, 0, "link");
        reply.put_family_header<ifinfomsg>()->ifi_index = 42;
        a.replies.push_back(std::move(reply));
      }
      return a;
    };
    return dataplane::Dataplane::over(FakeNetlink::socket(rt_), FakeNetlink::socket(nf_, NETLINK_NETFILTER));
  }
  store::MemoryStore store_;
  ipam::Ipam ipam_;
  std::shared_ptr<FakeNetlink::State> rt_ = std::make_shared<FakeNetlink::State>();
  std::shared_ptr<FakeNetlink::State> nf_ = std::make_shared<FakeNetlink::State>();
};

// DEL once treated any failed lookup of the veth as "gone", and released
// the addresses while the veth still held them.
TEST_F(RemovalTest, DelReleasesNothingWhenTheVethCannotBeLookedUp) {
  auto dp = fake_dataplane(EPERM);
  auto r = cleanup_in_background(store_, ipam_, dp, "c1:eth0", "c1:eth0");
  ASSERT_FALSE(r);
  EXPECT_TRUE(*Endpoints(store_).find("c1:eth0")) << "the record stays";
  auto held = ipam_.handle("c1:eth0");
  ASSERT_TRUE(held && *held);
  EXPECT_EQ((*held)->addresses.size(), 1u) << "nothing is released";
  EXPECT_TRUE(nf_->sent.empty()) << "no rule is removed";
}

TEST_F(RemovalTest, DelOfAGoneVethReleasesAtOnce) {
  auto dp = fake_dataplane(ENODEV);
  auto r = cleanup_in_background(store_, ipam_, dp, "c1:eth0", "c1:eth0");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(*r);
  EXPECT_FALSE(*Endpoints(store_).find("c1:eth0"));
  EXPECT_FALSE(*ipam_.handle("c1:eth0"));
  EXPECT_TRUE(ipam_.addresses()->empty());
}

// While the old veth exists its addresses are parked under a handle of
// their own: a new attachment of the container is never freed with them.
TEST_F(RemovalTest, DelParksTheAddressesOfAVethThatStillExists) {
  auto dp = fake_dataplane(0);
  auto r = cleanup_in_background(store_, ipam_, dp, "c1:eth0", "c1:eth0");
  ASSERT_TRUE(r && *r);
  EXPECT_EQ(**r, 42);
  EXPECT_FALSE(*ipam_.handle("c1:eth0"));
  auto parked = ipam_.handle(parked_handle("c1:eth0", **r));
  ASSERT_TRUE(parked && *parked);
  EXPECT_EQ((*parked)->addresses.size(), 1u);
  EXPECT_FALSE(*Endpoints(store_).find("c1:eth0"));
}

// Whatever host a later call names, the attachment is found by its key.
TEST_F(RemovalTest, CleanupFindsTheAttachmentWhateverHostItNames) {
  auto dp = fake_dataplane(ENODEV);
  ASSERT_TRUE(cleanup(store_, dp, "c1:eth0"));
  EXPECT_FALSE(*Endpoints(store_).find("c1:eth0"));
  EXPECT_TRUE(Endpoints(store_).list()->empty());
}

}  // namespace
}  // namespace netmod::plugin
