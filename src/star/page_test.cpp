#include "star/page.hpp"

#include <gtest/gtest.h>

#include <string>

namespace netmod::star {
namespace {

TEST(Page, IsTheWholeSelfContainedDocument) {
  const std::string page(page_html());
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("</html>"), std::string::npos);
  // The hooks the browser test reads.
  for (const char* hook : {"data-node", "data-edge", "data-revision", "data-edges", "fetch(\"graph\""}) {
    EXPECT_NE(page.find(hook), std::string::npos) << hook;
  }
  // Nothing from elsewhere: no scripts, styles, fonts or images by URL
  // (the SVG namespace is a name, not a fetch).
  for (const char* external : {"src=\"http", "href=\"http", "url(http", "@import", "//cdn", "https://"}) {
    EXPECT_EQ(page.find(external), std::string::npos) << external;
  }
}

}  // namespace
}  // namespace netmod::star
