#include "common/result.hpp"

namespace netmod {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::invalid_argument: return "invalid argument";
    case Errc::not_found: return "not found";
    case Errc::already_exists: return "already exists";
    case Errc::conflict: return "conflict";
    case Errc::exhausted: return "exhausted";
    case Errc::unavailable: return "unavailable";
    case Errc::storage: return "datastore error";
    case Errc::corrupt: return "corrupt";
    case Errc::inconsistent: return "inconsistent";
    case Errc::io: return "i/o error";
    case Errc::unsupported: return "unsupported";
    case Errc::internal: return "internal error";
  }
  return "unknown";
}

}  // namespace netmod
