#include "engine/plan.hpp"

#include <gtest/gtest.h>

#include "dataplane/dataplane.hpp"
#include "engine/test_records.hpp"

namespace netmod::engine {
namespace {

namespace ruleset = dataplane::ruleset;

using test::cidr;
using test::endpoint;
using test::ip;

HostInput two_tasks() {
  HostInput in;
  in.endpoints.push_back(endpoint("web-1", {ip("10.65.0.2"), ip("fd65::2")}, {"web"}));
  in.endpoints.push_back(endpoint("lone", {ip("10.65.0.3")}, {}));
  in.local_blocks = {cidr("10.65.0.0/26")};
  in.pools = {{cidr("10.65.0.0/16"), true}};
  return in;
}

TEST(Plan, EveryObjectOfAHostsTasks) {
  const HostInput in = two_tasks();
  const Plan p = plan(in);
  const std::string web = dataplane::host_ifname("web-1"), lone = dataplane::host_ifname("lone");

  ASSERT_EQ(p.links.size(), 2u);
  EXPECT_EQ(p.links.at(web).container_id, "web-1");
  EXPECT_EQ(p.links.at(web).task_mac, dataplane::task_mac("web-1"));

  const std::set<HostRoute> routes = {{cidr("10.65.0.0/26"), "", std::nullopt},
                                      {cidr("10.65.0.2/32"), web, std::nullopt},
                                      {cidr("fd65::2/128"), web, std::nullopt},
                                      {cidr("10.65.0.3/32"), lone, std::nullopt}};
  EXPECT_EQ(p.routes, routes);

  const std::set<Neighbour> neighbours = {{web, ip("10.65.0.2"), dataplane::task_mac("web-1")},
                                          {web, ip("fd65::2"), dataplane::task_mac("web-1")},
                                          {web, ip(dataplane::kGatewayV6), std::nullopt},
                                          {lone, ip("10.65.0.3"), dataplane::task_mac("lone")}};
  EXPECT_EQ(p.neighbours, neighbours);

  // The same elements wiring adds, in the same encoding.
  auto expected = ruleset::task_elements({web, in.endpoints[0].addresses, {"web"}, 0});
  for (auto& e : ruleset::task_elements({lone, in.endpoints[1].addresses, {}, 0})) expected.push_back(e);
  ASSERT_EQ(p.elements.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(ruleset::element_text(p.elements[i]), ruleset::element_text(expected[i]));

  EXPECT_EQ(p.hooks, std::set<std::string>{web});

  // Base objects, the netgroup's sets, its combination chain and the
  // fast-path objects, each with its rule count.
  for (const Object& o : {Object{"antispoof", true, false}, Object{"forward", true, false}, Object{"src_v4", false, false},
                          Object{"pools_v4", false, false}, Object{ruleset::netgroup_set("web", net::Family::v4), false, false},
                          Object{ruleset::combination_chain({"web"}), true, false}, Object{ruleset::kFastChain, true, true},
                          Object{ruleset::fast_set("web", net::Family::v6), false, true},
                          Object{ruleset::fast_chain({"web"}), true, true}}) {
    EXPECT_TRUE(p.objects.count(o)) << o.name;
  }
  EXPECT_EQ(p.rule_counts.at({"antispoof", true, false}), 5u);
  EXPECT_EQ(p.rule_counts.at({"forward", true, false}), 5u);
  EXPECT_EQ(p.rule_counts.at({"c_isolated", true, false}), 1u);
  EXPECT_EQ(p.makers.at({ruleset::kFastChain, true, true}), ruleset::fast_base());
  EXPECT_EQ(p.rule_counts.at({ruleset::kFastChain, true, true}), 2u);
  // Hooks are per host end (Plan::hooks), not objects of the plan.
  for (const auto& o : p.objects) EXPECT_FALSE(ruleset::fast_hook_device(o.name)) << o.name;
  EXPECT_EQ(p.pools.size(), 1u);
}

TEST(Plan, AHostWithoutTasksHasItsBaseAndBlackholesOnly) {
  HostInput in;
  in.local_blocks = {cidr("10.65.1.0/26")};
  const Plan p = plan(in);
  EXPECT_TRUE(p.links.empty());
  EXPECT_TRUE(p.elements.empty());
  EXPECT_TRUE(p.hooks.empty());
  EXPECT_EQ(p.routes, (std::set<HostRoute>{{cidr("10.65.1.0/26"), "", std::nullopt}}));
  EXPECT_TRUE(p.objects.count({"antispoof", true, false}));
  for (const auto& o : p.objects) EXPECT_FALSE(o.fast) << o.name;
}

TEST(Plan, CountsRulesPerChainOfItsOwnSyntax) {
  const std::string text = std::string("add rule ") + ruleset::kTable + " forward accept\n" + "add rule " +
                           ruleset::kTable + " forward drop\n" + "add rule " + ruleset::kFastTable + " fast accept\n" +
                           "add chain " + ruleset::kTable + " other\n";
  auto counts = count_rules(text);
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts.at({"forward", true, false}), 2u);
  EXPECT_EQ(counts.at({"fast", true, true}), 1u);
}

}  // namespace
}  // namespace netmod::engine
