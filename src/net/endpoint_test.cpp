#include "net/endpoint.hpp"

#include <gtest/gtest.h>

namespace netmod::net {
namespace {

TEST(Endpoint, ParsesEveryForm) {
  struct Case {
    const char* text;
    const char* want;
  };
  for (const Case& c : {Case{"10.0.0.1:5353", "10.0.0.1:5353"}, Case{"10.0.0.1", "10.0.0.1:53"},
                        Case{"[fd00::1]:5353", "[fd00::1]:5353"}, Case{"[fd00::1]", "[fd00::1]:53"},
                        Case{"fd00::1", "[fd00::1]:53"}, Case{"fd00::1:53", "[fd00::1:53]:53"},
                        Case{"0.0.0.0:0", "0.0.0.0:0"}, Case{"[::]:65535", "[::]:65535"}}) {
    auto e = Endpoint::parse(c.text, 53);
    ASSERT_TRUE(e) << c.text << ": " << e.error().message;
    EXPECT_EQ(e->str(), c.want) << c.text;
  }
}

TEST(Endpoint, RefusesWhatIsNotAnAddressAndPort) {
  for (const char* text : {"", ":53", "host:53", "10.0.0.1:", "10.0.0.1:65536", "10.0.0.1:-1", "10.0.0.1:5x",
                           "[fd00::1", "[fd00::1]53", "[10.0.0.1]:53", "[fd00::1]:", "10.0.0.1:53:53", " 10.0.0.1"}) {
    auto e = Endpoint::parse(text, 53);
    ASSERT_FALSE(e) << text;
    EXPECT_EQ(e.error().code, Errc::invalid_argument);
    EXPECT_NE(e.error().message.find(std::string("\"") + text + "\""), std::string::npos) << e.error().message;
  }
}

}  // namespace
}  // namespace netmod::net
