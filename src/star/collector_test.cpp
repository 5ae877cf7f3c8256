#include "star/collector.hpp"

#include <gtest/gtest.h>

#include "common/json_fields.hpp"
#include "star/probe.hpp"

namespace netmod::star {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

// What each URL answers, decided by the test.
struct FakeWeb {
  std::map<std::string, Result<GetAnswer>> answers;
  Fetch fetch() {
    return [this](const Url& u) -> Result<GetAnswer> {
      auto it = answers.find(u.text);
      if (it == answers.end()) return make_error(Errc::unavailable, u.authority() + ": connect: Connection refused");
      return it->second;
    };
  }
};

GetAnswer ok(const json& body) { return {200, body.dump(), false}; }

std::vector<Resource> ab() {
  return *parse_resources(R"([{"id": "A", "url": "http://a:9000/status"}, {"id": "B", "url": "http://b:9000/status"}])");
}

json body_of(const http::HttpAnswer& a) {
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.content_type, "application/json");
  return *parse_json(a.body, "answer");
}

TEST(Collector, PollsAndServesTheSeedsDocuments) {
  FakeWeb web;
  ProbeIdentity ida{"probe-a", "/star/probe-a", "h1", {"10.65.0.2"}, {"star-1"}};
  web.answers.emplace("http://a:9000/status", ok(status_json({{"http://b:9000/status", true}}, ida)));
  web.answers.emplace("http://b:9000/status", GetAnswer{404, "not json", false});
  std::vector<std::string> log;
  Collector c({.resources = ab(), .title = "Before", .fetch = web.fetch(),
               .log = [&](const std::string& l) { log.push_back(l); }, .now_ms = [] { return int64_t{5000}; }});
  // Nothing polled yet: all null, no arrows.
  EXPECT_EQ(body_of(c.handle("/responses")), json::parse(R"({"responses": {"A": null, "B": null}})"));
  EXPECT_EQ(body_of(c.handle("/matrix")), json::parse(R"({"A": {"B": false}, "B": {"A": false}})"));
  EXPECT_EQ(body_of(c.handle("/graph"))["revision"], 0);
  c.poll(0);
  c.poll(1);
  EXPECT_EQ(body_of(c.handle("/resources")), json::parse(R"({"resources": [{"id": "A", "url": "http://a:9000/status"},
                                                                          {"id": "B", "url": "http://b:9000/status"}]})"));
  json responses = body_of(c.handle("/responses"));
  EXPECT_EQ(responses["responses"]["A"]["statusCode"], 200);
  EXPECT_EQ(responses["responses"]["A"]["url"], "http://a:9000/status");
  EXPECT_EQ(responses["responses"]["A"]["json"]["status"]["targets"][0]["reachable"], true);
  EXPECT_EQ(responses["responses"]["B"], nullptr);  // answered, but not JSON
  EXPECT_EQ(body_of(c.handle("/matrix")), json::parse(R"({"A": {"B": true}, "B": {"A": false}})"));
  json g = body_of(c.handle("/graph"));
  EXPECT_EQ(g["title"], "Before");
  EXPECT_EQ(g["revision"], 2);
  EXPECT_EQ(g["updated_ms"], 5000);
  EXPECT_EQ(g["edges"], json::parse(R"([{"from": "A", "to": "B"}])"));
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[0].find("probe A (http://a:9000/status) answers"), std::string::npos) << log[0];
  EXPECT_NE(log[1].find("probe B (http://b:9000/status) does not answer: HTTP 404"), std::string::npos) << log[1];

  // A goes away: its arrows go, its name and netgroups stay on the page.
  web.answers.erase("http://a:9000/status");
  c.poll(0);
  EXPECT_EQ(body_of(c.handle("/matrix")), json::parse(R"({"A": {"B": false}, "B": {"A": false}})"));
  g = body_of(c.handle("/graph"));
  EXPECT_EQ(g["nodes"][0]["answered"], false);
  EXPECT_EQ(g["nodes"][0]["name"], "probe-a");
  EXPECT_EQ(g["nodes"][0]["netgroups"], json::parse(R"(["star-1"])"));
  EXPECT_EQ(g["edges"], json::array());
  EXPECT_EQ(log.size(), 3u);
  EXPECT_NE(log[2].find("Connection refused"), std::string::npos) << log[2];
}

TEST(Collector, ACutAnswerIsNoAnswer) {
  FakeWeb web;
  web.answers.emplace("http://a:9000/status", GetAnswer{200, R"({"status": {"targets": []}})", true});
  Collector c({.resources = ab(), .fetch = web.fetch()});
  c.poll(0);
  EXPECT_EQ(body_of(c.handle("/responses"))["responses"]["A"], nullptr);
}

TEST(Collector, ThePageAndUnknownPaths) {
  Collector c({.resources = ab()});
  auto page = c.handle("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(page.body.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(c.handle("/nope").status, 404);
}

TEST(Collector, PollsRealProbesOnItsPeriod) {
  http::StatusServer sa;
  Probe probe({.targets = {}, .identity = {"probe-a", "", "", {}, {}}});
  ASSERT_TRUE(sa.start("127.0.0.1:0", [&](const std::string& path) { return probe.handle(path); }));
  auto resources = *parse_resources(R"([{"id": "A", "url": "http://127.0.0.1:)" + std::to_string(sa.port()) +
                                    R"(/status"}, {"id": "B", "url": "http://127.0.0.1:1/status"}])");
  Collector c({.resources = resources, .interval = 50ms, .fetch = http_fetch({.timeout = 300ms})});
  c.start();
  json g;
  for (int i = 0; i < 100; ++i) {
    g = c.graph();
    if (g["answering"] == 1 && g["revision"] >= 4) break;
    std::this_thread::sleep_for(20ms);
  }
  c.stop();
  EXPECT_EQ(g["answering"], 1);
  EXPECT_EQ(g["nodes"][0]["name"], "probe-a");
  EXPECT_EQ(g["nodes"][1]["answered"], false);
  sa.stop();
}

}  // namespace
}  // namespace netmod::star
