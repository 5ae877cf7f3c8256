#include "star/graph.hpp"

#include <gtest/gtest.h>

namespace netmod::star {
namespace {

using json = nlohmann::json;

TEST(Graph, NodesEdgesAndIdentities) {
  auto resources = *parse_resources(R"([{"id": "A", "url": "http://a.star:9000/status"},
                                        {"id": "B", "url": "http://[fd00::2]:9000/status"},
                                        {"id": "C", "url": "http://c.star:9000/status"}])");
  ProbeIdentity a{"probe-a", "/star/probe-a", "h1", {"10.65.0.2"}, {"star-1"}};
  Responses responses;
  responses["A"] = Response{"http://a.star:9000/status", 200,
                            status_json({{"http://[fd00::2]:9000/status", true}, {"http://x/", false}}, a)};
  // B is a seed probe: no "probe" member.
  responses["B"] = Response{"http://[fd00::2]:9000/status", 200,
                            json::parse(R"({"status": {"targets": [{"url": "http://a.star:9000/status",
                                                                      "reachable": true}]}})")};
  // C does not answer now but said who it was before.
  std::map<std::string, ProbeIdentity> identities = {{"A", a}, {"C", {"probe-c", "", "h2", {"10.65.0.4"}, {"g"}}}};
  GraphInput in{"Isolated", &resources, &responses, &identities, 7, 1714557600123, 1000};
  json g = graph_json(in);
  EXPECT_EQ(g["title"], "Isolated");
  EXPECT_EQ(g["revision"], 7);
  EXPECT_EQ(g["updated"], "2024-05-01T10:00:00.123Z");
  EXPECT_EQ(g["interval_ms"], 1000);
  EXPECT_EQ(g["answering"], 2);
  EXPECT_EQ(g["probes"], 3);
  EXPECT_EQ(g["edges"], json::parse(R"([{"from": "A", "to": "B"}, {"from": "B", "to": "A"}])"));
  ASSERT_EQ(g["nodes"].size(), 3u);
  EXPECT_EQ(g["nodes"][0], json::parse(R"({"id": "A", "url": "http://a.star:9000/status", "url_host": "a.star",
      "answered": true, "status_code": 200, "identified": true, "name": "probe-a", "app": "/star/probe-a",
      "host": "h1", "addresses": ["10.65.0.2"], "netgroups": ["star-1"], "targets": 2,
      "reachable_targets": 1})"));
  EXPECT_EQ(g["nodes"][1]["name"], "fd00::2");
  EXPECT_EQ(g["nodes"][1]["identified"], false);
  EXPECT_EQ(g["nodes"][1]["netgroups"], json::array());
  EXPECT_EQ(g["nodes"][2]["answered"], false);
  EXPECT_EQ(g["nodes"][2]["status_code"], nullptr);
  EXPECT_EQ(g["nodes"][2]["name"], "probe-c");
  EXPECT_EQ(g["nodes"][2]["netgroups"], json::parse(R"(["g"])"));
  EXPECT_EQ(g["nodes"][2]["targets"], 0);
}

TEST(Graph, BeforeTheFirstPoll) {
  json g = graph_json({"t", nullptr, nullptr, nullptr, 0, 0, 1000});
  EXPECT_EQ(g["updated"], nullptr);
  EXPECT_EQ(g["nodes"], json::array());
  EXPECT_EQ(g["edges"], json::array());
}

TEST(Graph, Iso8601) {
  EXPECT_EQ(iso8601_utc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_utc(1714557600005), "2024-05-01T10:00:00.005Z");
}

}  // namespace
}  // namespace netmod::star
