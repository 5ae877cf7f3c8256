#include "dns/name.hpp"

#include <gtest/gtest.h>

namespace netmod::dns {
namespace {

TEST(Domain, ParsesLowerCasedWithOrWithoutTheTrailingDot) {
  for (const char* text : {"marathon.mesos", "Marathon.MESOS.", "marathon.mesos."}) {
    auto d = Domain::parse(text);
    ASSERT_TRUE(d) << text << ": " << d.error().message;
    EXPECT_EQ(d->str(), "marathon.mesos");
    EXPECT_EQ(d->labels(), (std::vector<std::string>{"marathon", "mesos"}));
  }
  EXPECT_EQ(Domain::parse("mesos")->str(), "mesos");
  EXPECT_EQ(Domain::parse("a-1.b2")->str(), "a-1.b2");
}

TEST(Domain, RefusesWhatIsNotAHostName) {
  struct Case {
    std::string text;
    const char* why;
  };
  for (const Case& c : {Case{"", "is empty"}, Case{".", "is empty"}, Case{"a..b", "empty label"},
                        Case{".mesos", "empty label"}, Case{"mesos..", "empty label"},
                        Case{"ma_rathon.mesos", "only letters, digits and '-'"},
                        Case{"marathon mesos", "only letters, digits and '-'"}, Case{"-a.mesos", "starts or ends with '-'"},
                        Case{"a-.mesos", "starts or ends with '-'"}, Case{std::string(64, 'a') + ".mesos", "longer than 63"},
                        Case{std::string(200, 'a').insert(60, ".").insert(120, ".").insert(180, ".") + "." +
                                 std::string(60, 'b'),
                             "longer than 253"}}) {
    auto d = Domain::parse(c.text);
    ASSERT_FALSE(d) << c.text;
    EXPECT_EQ(d.error().code, Errc::invalid_argument);
    EXPECT_NE(d.error().message.find(c.why), std::string::npos) << c.text << ": " << d.error().message;
  }
}

TEST(Domain, DepthOfANameIsCaseInsensitive) {
  const auto d = *Domain::parse("marathon.mesos");
  EXPECT_EQ(d.depth_of({"probe-b", "star-iso", "Marathon", "MESOS"}), 2);
  EXPECT_EQ(d.depth_of({"probe-b-star-iso", "marathon", "mesos"}), 1);
  EXPECT_EQ(d.depth_of({"marathon", "mesos"}), 0);
  EXPECT_EQ(d.depth_of({"mesos"}), -1);
  EXPECT_EQ(d.depth_of({}), -1);
  EXPECT_EQ(d.depth_of({"a", "marathon", "mesos", "com"}), -1);
  EXPECT_EQ(d.depth_of({"a", "xmarathon", "mesos"}), -1);
}

TEST(Name, TaskLabels) {
  EXPECT_TRUE(is_task_label("probe-b"));
  EXPECT_TRUE(is_task_label("PROBE-B"));
  EXPECT_TRUE(is_task_label(std::string(63, 'a')));
  EXPECT_FALSE(is_task_label(std::string(64, 'a')));
  EXPECT_FALSE(is_task_label(""));
  EXPECT_FALSE(is_task_label("_http"));
  EXPECT_FALSE(is_task_label(std::string("a\0b", 3)));
  EXPECT_FALSE(is_task_label("a.b"));
  EXPECT_EQ(lower("AbC-\xC3\x89"), "abc-\xC3\x89");  // ASCII only
}

}  // namespace
}  // namespace netmod::dns
