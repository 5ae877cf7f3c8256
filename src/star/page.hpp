// The collector's page (GET /): one self-contained HTML document, its CSS,
// script and drawing inline, nothing fetched but the collector's own
// /graph. Its source is src/star/page/index.html, edited as HTML; the
// build turns it into this string (CMakeLists.txt, page.cpp.in), so the
// binary needs no files at run time.
#pragma once

#include <string_view>

namespace netmod::star {

std::string_view page_html();

}  // namespace netmod::star
