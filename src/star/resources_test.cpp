#include "star/resources.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace netmod::star {
namespace {

TEST(Resources, ReadsTheSeedFormat) {
  auto r = parse_resources(R"([
    {"id": "A", "url": "http://probe-a.star-iso.marathon.mesos:9000/status"},
    {"id": "B", "url": "http://probe-b.star-iso.marathon.mesos:9000/status", "note": "ignored"}
  ])");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].id, "A");
  EXPECT_EQ((*r)[0].url.text, "http://probe-a.star-iso.marathon.mesos:9000/status");
  EXPECT_EQ((*r)[1].url.host, "probe-b.star-iso.marathon.mesos");
  EXPECT_EQ((*r)[1].url.port, 9000);
}

TEST(Resources, AnEmptyListIsAllowed) {
  auto r = parse_resources("[]");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
}

TEST(Resources, RefusesEachBadInputNamingWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "not valid JSON"},
      {"[{\"id\": \"A\"", "not valid JSON"},
      {R"({"id": "A", "url": "http://a/"})", "must be a JSON array"},
      {R"("A")", "must be a JSON array"},
      {R"([1])", "resources[0] must be a JSON object"},
      {R"([{"url": "http://a/"}])", "resources[0].id is missing or empty"},
      {R"([{"id": "", "url": "http://a/"}])", "resources[0].id is missing or empty"},
      {R"([{"id": 7, "url": "http://a/"}])", "resources[0].id must be a string"},
      {R"([{"id": "A"}])", "resources[0].url is missing or empty"},
      {R"([{"id": "A", "url": null}])", "resources[0].url is missing or empty"},
      {R"([{"id": "A", "url": ["http://a/"]}])", "resources[0].url must be a string"},
      {R"([{"id": "A", "url": "ftp://a/"}])", "resources[0].url: URL \"ftp://a/\": must start with http://"},
      {R"([{"id": "A", "url": "http://a:99999/"}])", "resources[0].url: URL"},
      {R"([{"id": "A", "url": "http://a/"}, {"id": "A", "url": "http://b/"}])",
       "resources[1].id: \"A\" is used twice"},
  };
  for (const auto& [text, why] : cases) {
    auto r = parse_resources(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, Errc::invalid_argument) << text;
    EXPECT_NE(r.error().message.find(why), std::string::npos) << text << ": " << r.error().message;
  }
}

TEST(Resources, ReadingAFileNamesIt) {
  const std::string path = testing::TempDir() + "/star-resources-test.json";
  std::ofstream(path) << R"([{"id": "A", "url": "http://a:9000/status"}])";
  auto ok = read_resources(path);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->size(), 1u);
  std::ofstream(path) << "[{}]";
  auto bad = read_resources(path);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind(path + ": resources[0].id", 0), 0u) << bad.error().message;
  std::remove(path.c_str());
  auto missing = read_resources(path);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find(path), std::string::npos);
  EXPECT_EQ(missing.error().sys_errno, ENOENT);
}

}  // namespace
}  // namespace netmod::star
