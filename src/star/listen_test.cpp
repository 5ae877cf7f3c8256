#include "star/listen.hpp"

#include <gtest/gtest.h>

#include "star/http_get.hpp"

namespace netmod::star {
namespace {

http::HttpAnswer hello(const std::string&) { return {200, "text/plain", "hello"}; }

TEST(Listen, EveryAddressTakesIPv4Too) {
  http::StatusServer s;
  auto where = listen_on(s, ":0", hello);
  ASSERT_TRUE(where) << where.error().message;
  EXPECT_TRUE(*where == "[::]:0" || *where == "0.0.0.0:0") << *where;
  auto a = http_get(*Url::parse("http://127.0.0.1:" + std::to_string(s.port()) + "/"));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->body, "hello");
}

TEST(Listen, OneAddress) {
  http::StatusServer s;
  auto where = listen_on(s, "127.0.0.1:0", hello);
  ASSERT_TRUE(where) << where.error().message;
  EXPECT_EQ(*where, "127.0.0.1:0");
  EXPECT_GT(s.port(), 0);
}

TEST(Listen, ErrorsNameTheFlag) {
  http::StatusServer s;
  for (const char* bad : {"9000", "probe-a:9000", ":port", ""}) {
    auto r = listen_on(s, bad, hello);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("--listen"), std::string::npos) << r.error().message;
  }
  http::StatusServer taken;
  ASSERT_TRUE(listen_on(taken, ":0", hello));
  auto twice = listen_on(s, ":" + std::to_string(taken.port()), hello);
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("Address already in use"), std::string::npos) << twice.error().message;
}

}  // namespace
}  // namespace netmod::star
