#include "ipam/pool.hpp"

#include <nlohmann/json.hpp>

namespace netmod::ipam {

using json = nlohmann::json;

net::Cidr Pool::block_at(net::U128 index) const {
  net::U128 base = cidr.network().to_integer() + (index << (cidr.network().bits() - block_size));
  return *net::Cidr::containing(net::IpAddress::from_integer(family(), base), block_size);
}

net::Cidr Pool::block_of(const net::IpAddress& a) const { return *net::Cidr::containing(a, block_size); }

bool is_reserved_address(const net::Cidr& pool, const net::IpAddress& a) {
  if (pool.family() == net::Family::v6) return pool.prefix_len() < 127 && a == pool.network();
  if (pool.prefix_len() >= 31) return false;
  return a == pool.network() || a == pool.last();
}

bool Pool::is_reserved(const net::IpAddress& a) const { return is_reserved_address(cidr, a); }

Result<Pool> make_pool(const PoolSpec& spec) {
  bool v4 = spec.cidr.family() == net::Family::v4;
  unsigned size = spec.block_size.value_or(v4 ? kDefaultBlockSizeV4 : kDefaultBlockSizeV6);
  unsigned lo = v4 ? kMinBlockSizeV4 : kMinBlockSizeV6;
  unsigned hi = v4 ? kMaxBlockSizeV4 : kMaxBlockSizeV6;
  std::string where = "pool " + spec.cidr.str() + ": ";
  if (size < lo || size > hi) {
    return make_error(Errc::invalid_argument,
                      where + "block size /" + std::to_string(size) + " is out of range for " +
                          std::string(net::family_name(spec.cidr.family())) + " (/" +
                          std::to_string(lo) + " to /" + std::to_string(hi) + ")");
  }
  if (size < spec.cidr.prefix_len()) {
    return make_error(Errc::invalid_argument,
                      where + "block size /" + std::to_string(size) + " is larger than the pool; use a block size of /" +
                          std::to_string(spec.cidr.prefix_len()) + " or longer");
  }
  return Pool{spec.cidr, size, spec.nat_outgoing};
}

Result<void> check_no_overlap(const Pool& pool, const std::vector<Pool>& existing) {
  for (const Pool& p : existing) {
    if (p.cidr == pool.cidr) {
      return make_error(Errc::already_exists, "pool " + pool.cidr.str() + " already exists");
    }
    if (p.cidr.overlaps(pool.cidr)) {
      return make_error(Errc::invalid_argument,
                        "pool " + pool.cidr.str() + " overlaps existing pool " + p.cidr.str());
    }
  }
  return ok();
}

const Pool* find_pool(const std::vector<Pool>& pools, const net::IpAddress& a) {
  for (const Pool& p : pools) {
    if (p.cidr.contains(a)) return &p;
  }
  return nullptr;
}

std::string encode_pools(const std::vector<Pool>& pools) {
  json arr = json::array();
  for (const Pool& p : pools) {
    arr.push_back({{"cidr", p.cidr.str()}, {"block_size", p.block_size}, {"nat_outgoing", p.nat_outgoing}});
  }
  return json{{"pools", arr}}.dump();
}

Result<std::vector<Pool>> decode_pools(std::string_view text) {
  auto corrupt = [](const std::string& why) {
    return make_error(Errc::corrupt, "stored pool list is corrupt: " + why);
  };
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("pools") || !doc["pools"].is_array()) {
    return corrupt("not a pool list");
  }
  std::vector<Pool> out;
  for (const json& j : doc["pools"]) {
    if (!j.is_object() || !j.contains("cidr") || !j["cidr"].is_string() ||
        !j.contains("block_size") || !j["block_size"].is_number_unsigned()) {
      return corrupt("bad pool entry " + j.dump());
    }
    auto cidr = net::Cidr::parse(j["cidr"].get<std::string>());
    if (!cidr) return corrupt(cidr.error().message);
    PoolSpec spec{*cidr, j["block_size"].get<unsigned>(), j.value("nat_outgoing", false)};
    auto pool = make_pool(spec);
    if (!pool) return corrupt(pool.error().message);
    out.push_back(*pool);
  }
  return out;
}

}  // namespace netmod::ipam
