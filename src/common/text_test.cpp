#include "common/text.hpp"

#include <gtest/gtest.h>

namespace netmod {
namespace {

TEST(Text, QuotesShortValuesWhole) {
  EXPECT_EQ(quote("eth0"), "\"eth0\"");
  EXPECT_EQ(quote(""), "\"\"");
  EXPECT_EQ(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
}

TEST(Text, CutsLongValuesAtACharacterBoundary) {
  // 130 two-byte characters: the cut must not split one.
  std::string s;
  for (int i = 0; i < 130; ++i) s += "\xc3\xa9";
  std::string q = quote(s, 40);
  EXPECT_TRUE(valid_utf8(q));
  EXPECT_EQ(q.substr(q.size() - 3), "...");
  EXPECT_EQ(q.size(), 1 + 40 * 2 + 1 + 3);
}

TEST(Text, EscapesControlAndInvalidBytes) {
  EXPECT_EQ(quote(std::string("a\nb\x01", 4)), "\"a\\x0ab\\x01\"");
  std::string q = quote("\xff\xfe" "ok\xc3");
  EXPECT_EQ(q, "\"\\xff\\xfeok\\xc3\"");
  EXPECT_TRUE(valid_utf8(q));
}

TEST(Text, ValidUtf8) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("\xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(valid_utf8("\xe2\x82"));          // cut short
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
}

}  // namespace
}  // namespace netmod

namespace netmod {
namespace {

TEST(Text, ShortenKeepsQuotesOfAlreadyQuotedText) {
  EXPECT_EQ(shorten("\"ab\""), "\"ab\"");
  EXPECT_EQ(shorten(std::string(50, 'x'), 10), "xxxxxxxxxx...");
}

}  // namespace
}  // namespace netmod

#include "common/json_text.hpp"

namespace netmod {
namespace {

TEST(JsonText, NeverThrowsOnStringsThatAreNotUtf8) {
  nlohmann::json v = std::string("bad \xff\xfe byte");
  std::string text;
  EXPECT_NO_THROW(text = dump_safely(v));
  EXPECT_TRUE(valid_utf8(text));
  EXPECT_NO_THROW(text = excerpt(nlohmann::json{{"k", std::string(500, 'a') + "\xc3"}}));
  EXPECT_TRUE(valid_utf8(text));
  EXPECT_LE(text.size(), kQuoteMaxChars + 3);
}

}  // namespace
}  // namespace netmod
