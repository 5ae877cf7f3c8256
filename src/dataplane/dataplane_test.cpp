#include "dataplane/dataplane.hpp"

#include <gtest/gtest.h>

namespace netmod::dataplane {
namespace {

TEST(Dataplane, HostInterfaceNamesAreStableAndFitLinux) {
  std::string a = host_ifname("0f1e2d3c-aaaa-bbbb-cccc-000000000001");
  EXPECT_EQ(a, host_ifname("0f1e2d3c-aaaa-bbbb-cccc-000000000001"));
  EXPECT_NE(a, host_ifname("0f1e2d3c-aaaa-bbbb-cccc-000000000002"));
  EXPECT_LE(a.size(), 15u);
  EXPECT_EQ(a.rfind("nm", 0), 0u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef", 2), std::string::npos);
}

TEST(Dataplane, TaskMacIsLocallyAdministeredUnicast) {
  auto m = task_mac("c1");
  EXPECT_EQ(m[0], 0x02);
  EXPECT_EQ(m, task_mac("c1"));
  EXPECT_NE(m, task_mac("c2"));
  EXPECT_EQ(rtnl::mac_str(kHostMac), "ee:ee:ee:ee:ee:ee");
}

}  // namespace
}  // namespace netmod::dataplane
