#include "ipam/names.hpp"

#include <gtest/gtest.h>

namespace netmod::ipam {
namespace {

TEST(Names, Hostnames) {
  EXPECT_TRUE(parse_hostname("agent-1.example.com"));
  EXPECT_TRUE(parse_hostname("10.0.0.7"));
  EXPECT_FALSE(parse_hostname(""));
  EXPECT_FALSE(parse_hostname("a/b"));
  EXPECT_FALSE(parse_hostname("has space"));
  EXPECT_FALSE(parse_hostname(std::string(254, 'a')));
}

TEST(Names, Handles) {
  EXPECT_TRUE(parse_handle("0d3c4c9e-6e1b-4b1a-9d6e-2a7a9b1c0f11"));
  EXPECT_TRUE(parse_handle("ctr/with/slash"));  // escaped in keys, so allowed
  EXPECT_FALSE(parse_handle(""));
  EXPECT_FALSE(parse_handle("with space"));
  EXPECT_FALSE(parse_handle("tab\there"));
  EXPECT_FALSE(parse_handle(std::string(256, 'u')));
}

TEST(Names, ContainerIds) {
  EXPECT_TRUE(parse_container_id("0d3c4c9e-6e1b.4b1a_9d6e"));
  for (const char* bad : {"", "a/b", "has space", "semi;colon"}) {
    auto r = parse_container_id(bad);
    ASSERT_FALSE(r) << bad;
  }
  EXPECT_NE(parse_container_id("a/b").error().message.find("invalid container id \"a/b\""), std::string::npos);
}

TEST(Names, NetgroupsAreValidatedSortedAndDeduplicated) {
  auto g = parse_netgroups({"star-2", "public", "star-2"});
  ASSERT_TRUE(g);
  EXPECT_EQ(*g, (std::vector<std::string>{"public", "star-2"}));
  for (const char* bad : {"", "has space", "semi;colon", "quote\"", "brace{"}) {
    auto r = parse_netgroups({"ok", bad});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
  }
  EXPECT_FALSE(parse_netgroup(std::string(64, 'g')));
  EXPECT_TRUE(parse_netgroup(std::string(63, 'g')));
}

}  // namespace
}  // namespace netmod::ipam
