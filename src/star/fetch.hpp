// How the probe and the collector reach a URL: http_get in the product, a
// fake in tests that decides what each URL answers without sockets.
#pragma once

#include <functional>
#include <string>

#include "star/http_get.hpp"

namespace netmod::star {

using Fetch = std::function<Result<GetAnswer>(const Url& url)>;

// http_get with these options.
inline Fetch http_fetch(GetOptions options) {
  return [options](const Url& url) { return http_get(url, options); };
}

// Where the probe and the collector report what changed (stderr in the
// CLI); may be called from any of their threads.
using Log = std::function<void(const std::string& line)>;

}  // namespace netmod::star
