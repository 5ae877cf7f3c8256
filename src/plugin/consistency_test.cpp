#include "plugin/consistency.hpp"

#include <gtest/gtest.h>

#include "store/memory_store.hpp"

namespace netmod::plugin {
namespace {

TEST(Consistency, EndpointsMustUseAddressesAllocatedToThem) {
  store::MemoryStore s;
  ipam::Ipam ipam(s, {});
  ASSERT_TRUE(ipam.add_pool({*net::Cidr::parse("10.65.0.0/16")}));
  ipam::AutoRequest req;
  req.handle = "c1:eth0", req.host = "h", req.num_v4 = 1;
  auto mine = ipam.allocate(req);
  req.handle = "someone";
  auto other = ipam.allocate(req);
  ASSERT_TRUE(mine && other);
  EndpointRecord e;
  e.container_id = "c1:eth0";
  e.host = "h";
  e.addresses = mine->v4;
  EXPECT_TRUE(check_endpoints(*ipam.snapshot(), {e}).empty());
  e.addresses.push_back(other->v4.at(0));
  auto p = check_endpoints(*ipam.snapshot(), {e});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].kind, "endpoint_address_foreign");
  ASSERT_TRUE(ipam.release_handle("c1:eth0"));
  e.addresses = mine->v4;
  p = check_endpoints(*ipam.snapshot(), {e});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].kind, "endpoint_address_free");
  EXPECT_NE(p[0].detail.find("which IPAM holds free"), std::string::npos);
}

}  // namespace
}  // namespace netmod::plugin
