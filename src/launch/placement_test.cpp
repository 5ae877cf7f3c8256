#include "launch/placement.hpp"

#include <gtest/gtest.h>

namespace netmod::launch {
namespace {

records::TaskRecord on(const std::string& app, const std::string& host) {
  records::TaskRecord t;
  t.id = app;
  t.app = app;
  t.host = host;
  return t;
}

TEST(Spread, AlternatesOverHosts) {
  auto p = spread({"h1", "h2"}, {}, {"/g/a", "/g/b", "/g/c", "/g/d", "/g/collect"});
  EXPECT_EQ(p, (std::vector<std::string>{"h1", "h2", "h1", "h2", "h1"}));
}

TEST(Spread, CountsWhatRunsAlready) {
  auto p = spread({"h1", "h2", "h3"}, {on("/g/x", "h1"), on("/g/y", "h1"), on("/other/z", "h2")}, {"/g/a", "/g/b"});
  EXPECT_EQ(p, (std::vector<std::string>{"h3", "h2"}));
}

TEST(Spread, GroupFirstThenTotal) {
  // h2 has more tasks overall, but none of this group.
  auto p = spread({"h1", "h2"}, {on("/g/x", "h1"), on("/o/1", "h2"), on("/o/2", "h2")}, {"/g/a"});
  EXPECT_EQ(p, std::vector<std::string>{"h2"});
}

TEST(TryOrder, PreferredFirstThenWraps) {
  EXPECT_EQ(try_order({"h1", "h2", "h3"}, "h2"), (std::vector<std::string>{"h2", "h3", "h1"}));
  EXPECT_EQ(try_order({"h1", "h2"}, "h9"), (std::vector<std::string>{"h9", "h1", "h2"}));
}

TEST(AppGroup, ParentPath) {
  EXPECT_EQ(app_group("/star-iso/probe-a"), "/star-iso");
  EXPECT_EQ(app_group("/web"), "/");
}

}  // namespace
}  // namespace netmod::launch
