#include "star/matrix.hpp"

#include <gtest/gtest.h>

namespace netmod::star {
namespace {

using json = nlohmann::json;

std::vector<Resource> abc() {
  return *parse_resources(R"([{"id": "A", "url": "http://a:9000/status"},
                              {"id": "B", "url": "http://b:9000/status"},
                              {"id": "C", "url": "http://c:9000/status"}])");
}

Response answer(const std::string& url, const char* targets) {
  return {url, 200, json{{"status", {{"targets", json::parse(targets)}}}}};
}

TEST(Matrix, AnArrowWhereATargetIsAResourceAndReachable) {
  Responses responses;
  responses["A"] = answer("http://a:9000/status", R"([{"url": "http://b:9000/status", "reachable": true},
                                                     {"url": "http://c:9000/status", "reachable": false}])");
  responses["B"] = answer("http://b:9000/status", R"([{"url": "http://a:9000/status", "reachable": true},
                                                     {"url": "http://c:9000/status", "reachable": true},
                                                     {"url": "http://elsewhere/", "reachable": true}])");
  responses["C"] = std::nullopt;
  EXPECT_EQ(compute_matrix(abc(), responses), (Matrix{{"A", {{"B", true}, {"C", false}}},
                                                      {"B", {{"A", true}, {"C", true}}},
                                                      {"C", {{"A", false}, {"B", false}}}}));
}

TEST(Matrix, UrlsMatchByExactText) {
  Responses responses;
  // The same probe named another way is another URL, as in the seed.
  responses["A"] = answer("http://a:9000/status", R"([{"url": "http://b:9000/status/", "reachable": true},
                                                     {"url": "http://B:9000/status", "reachable": true}])");
  EXPECT_EQ(compute_matrix(abc(), responses)["A"], (std::map<std::string, bool>{{"B", false}, {"C", false}}));
}

TEST(Matrix, NoResponseOrNotAProbeMeansNoArrows) {
  Responses responses;
  responses["A"] = Response{"http://a:9000/status", 200, json::parse(R"({"hello": "world"})")};
  // B has no entry at all.
  auto m = compute_matrix(abc(), responses);
  for (const auto& [from, row] : m) {
    EXPECT_EQ(row.size(), 2u);
    for (const auto& [to, on] : row) EXPECT_FALSE(on) << from << "->" << to;
  }
}

TEST(Matrix, TheSeedsJsonShapes) {
  auto resources = abc();
  Responses responses;
  responses["A"] = answer("http://a:9000/status", R"([{"url": "http://b:9000/status", "reachable": true}])");
  EXPECT_EQ(resources_json(resources), json::parse(R"({"resources": [
      {"id": "A", "url": "http://a:9000/status"}, {"id": "B", "url": "http://b:9000/status"},
      {"id": "C", "url": "http://c:9000/status"}]})"));
  EXPECT_EQ(responses_json(resources, responses), json::parse(R"({"responses": {
      "A": {"url": "http://a:9000/status", "statusCode": 200,
            "json": {"status": {"targets": [{"url": "http://b:9000/status", "reachable": true}]}}},
      "B": null, "C": null}})"));
  EXPECT_EQ(matrix_json(compute_matrix(resources, responses)), json::parse(R"({
      "A": {"B": true, "C": false}, "B": {"A": false, "C": false}, "C": {"A": false, "B": false}})"));
  EXPECT_EQ(matrix_json({}), json::object());
}

}  // namespace
}  // namespace netmod::star
