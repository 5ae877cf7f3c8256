#include "star/url.hpp"

#include <gtest/gtest.h>

namespace netmod::star {
namespace {

struct Good {
  const char* text;
  const char* host;
  uint16_t port;
  const char* path;
};

TEST(Url, ParsesTheFormsTheSeedUses) {
  const Good cases[] = {
      {"http://probe-a.star-iso.marathon.mesos:9000/status", "probe-a.star-iso.marathon.mesos", 9000, "/status"},
      {"http://10.65.0.2:9000/status", "10.65.0.2", 9000, "/status"},
      {"http://[fd65:6e6d::2]:9000/status", "fd65:6e6d::2", 9000, "/status"},
      {"http://[::1]/", "::1", 80, "/"},
      {"http://example", "example", 80, "/"},
      {"HTTP://Example:8080", "Example", 8080, "/"},
      {"http://h:1/a/b?x=1&y=2", "h", 1, "/a/b?x=1&y=2"},
      {"http://h?q", "h", 80, "/?q"},
      {"http://h/p#frag", "h", 80, "/p"},
      {"http://h#frag", "h", 80, "/"},
  };
  for (const auto& c : cases) {
    auto u = Url::parse(c.text);
    ASSERT_TRUE(u) << c.text << ": " << u.error().message;
    EXPECT_EQ(u->text, c.text);
    EXPECT_EQ(u->host, c.host) << c.text;
    EXPECT_EQ(u->port, c.port) << c.text;
    EXPECT_EQ(u->path, c.path) << c.text;
  }
}

TEST(Url, Authority) {
  EXPECT_EQ(Url::parse("http://[fd00::1]:9000/")->authority(), "[fd00::1]:9000");
  EXPECT_EQ(Url::parse("http://probe-a/status")->authority(), "probe-a:80");
}

TEST(Url, RefusesWithAReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"https://h/", "must start with http://"},
      {"probe-a:9000/status", "must start with http://"},
      {"", "must start with http://"},
      {"http://", "no host"},
      {"http:///status", "no host"},
      {"http://:9000/", "no host"},
      {"http://h:/", "empty port"},
      {"http://h:0/", "port must be a number from 1 to 65535"},
      {"http://h:65536/", "port must be a number"},
      {"http://h:90a/", "port must be a number"},
      {"http://h:-1/", "port must be a number"},
      {"http://[fd00::1/", "'[' without ']'"},
      {"http://[probe]:80/", "is not an IPv6 address"},
      {"http://[::1]x/", "unexpected text after ']'"},
      {"http://[::1]:/", "empty port"},
      {"http://user@h/", "user information"},
      {"http://h/a b", "space or a control character"},
      {"http://h\t/", "space or a control character"},
      {"http://h%41/", "host has a character that is not allowed"},
      {"http://fd00::1/", "an IPv6 address must be in brackets"},
  };
  for (const auto& [text, why] : cases) {
    auto u = Url::parse(text);
    ASSERT_FALSE(u) << text;
    EXPECT_EQ(u.error().code, Errc::invalid_argument);
    EXPECT_NE(u.error().message.find(why), std::string::npos) << text << ": " << u.error().message;
  }
}

}  // namespace
}  // namespace netmod::star
