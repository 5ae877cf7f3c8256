// The collector's resources file, the seed's format:
//   [{"id": "A", "url": "http://probe-a.star-iso.marathon.mesos:9000/status"}]
// one entry per probe: a short id (what the page shows large, what /matrix
// is keyed by) and the URL of its /status. Other members of an entry are
// ignored, as the seed's collector ignored them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "star/url.hpp"

namespace netmod::star {

struct Resource {
  std::string id;
  Url url;
};

// Errc::invalid_argument with a message naming what is wrong and where
// ("resources[2].url: ..."): not JSON, not an array, an entry that is not
// an object, a missing or empty id or url, a duplicate id, a bad URL. An
// empty list is allowed (a collector with nothing to show).
Result<std::vector<Resource>> parse_resources(std::string_view text);

// The file at `path`, parsed; the message names the file.
Result<std::vector<Resource>> read_resources(const std::string& path);

}  // namespace netmod::star
