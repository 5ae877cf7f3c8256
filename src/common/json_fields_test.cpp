#include "common/json_fields.hpp"

#include <gtest/gtest.h>

#include "common/text.hpp"

namespace netmod {
namespace {

using json = nlohmann::json;

TEST(JsonFields, ParseRefusesDeepNestingAndGarbage) {
  EXPECT_TRUE(parse_json(R"({"a": [1, {"b": "[[[["}]})", "doc"));
  std::string deep(100000, '[');
  auto r = parse_json(deep, "request");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "request is not valid JSON: nested more than 64 levels deep");
  EXPECT_FALSE(parse_json("{broken", "x"));
  EXPECT_FALSE(parse_json("\"\xff\"", "x"));  // a string that is not UTF-8
  // Brackets inside strings do not count.
  EXPECT_TRUE(parse_json("[\"" + std::string(1000, '[') + "\"]", "x"));
}

TEST(JsonFields, TypedAccessNamesThePath) {
  json doc = json::parse(R"({"ipam": {"assign_ipv4": 1, "pools": ["a", 2], "name": "x"}, "n": -3, "nul": null})");
  JsonObject top(doc, "");
  auto ipam = top.object("ipam");
  ASSERT_TRUE(ipam && *ipam);
  auto b = (*ipam)->boolean("assign_ipv4");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, "ipam.assign_ipv4 must be true or false, got 1");
  auto s = (*ipam)->strings("pools");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "ipam.pools must be a list of strings, got an element 2");
  EXPECT_EQ(**(*ipam)->string("name"), "x");
  EXPECT_FALSE(*top.string("absent"));
  EXPECT_FALSE(*top.string("nul"));  // null is absent
  EXPECT_FALSE(top.integer("n", 0, 10));
  EXPECT_EQ(**top.integer("n", -5, 10), -3);
  EXPECT_FALSE(top.object("n"));
  EXPECT_FALSE(JsonObject::as_object(json::array(), "args."));
}

TEST(JsonFields, LongBadValuesAreCut) {
  json doc = {{"k", std::string(1000, 'z')}};
  auto r = JsonObject(doc, "").boolean("k");
  ASSERT_FALSE(r);
  EXPECT_LT(r.error().message.size(), 100u);
}

}  // namespace
}  // namespace netmod
