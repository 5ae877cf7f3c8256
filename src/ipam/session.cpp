#include "ipam/session.hpp"

#include <nlohmann/json.hpp>

#include "ipam/keys.hpp"

namespace netmod::ipam::detail {

using json = nlohmann::json;

Result<std::optional<HandleRecord>> decode_handle(std::string_view name, std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  auto corrupt = [&](const std::string& why) {
    return make_error(Errc::corrupt, "stored handle \"" + std::string(name) + "\" is corrupt: " + why);
  };
  if (doc.is_discarded() || !doc.is_object()) return corrupt("not a JSON object");
  HandleRecord h;
  h.handle = std::string(name);
  if (!doc.contains("addresses") || !doc["addresses"].is_array()) return corrupt("no address list");
  h.host = doc.value("host", "");
  for (const json& a : doc["addresses"]) {
    if (!a.is_string()) return corrupt("address is not a string");
    auto ip = net::IpAddress::parse(a.get<std::string>());
    if (!ip) return corrupt(ip.error().message);
    h.addresses.push_back(*ip);
  }
  return std::optional<HandleRecord>(std::move(h));
}

std::string encode_handle(const HandleRecord& h) {
  json addrs = json::array();
  for (const auto& a : h.addresses) addrs.push_back(a.str());
  return json{{"host", h.host}, {"addresses", addrs}}.dump();
}

Result<std::vector<Pool>> Session::pools() {
  if (!pools_) {
    NETMOD_ASSIGN_OR_RETURN(auto kv, tx_.get(keys::kPools));
    if (!kv) {
      pools_.emplace();
    } else {
      NETMOD_ASSIGN_OR_RETURN(auto p, decode_pools(kv->value));
      pools_ = std::move(p);
    }
  }
  return *pools_;
}

void Session::write_pools(const std::vector<Pool>& pools) {
  pools_ = pools;
  tx_.put(keys::kPools, encode_pools(pools));
}

Result<Block*> Session::block(const net::Cidr& cidr) {
  std::string name = cidr.str();
  auto it = blocks_.find(name);
  if (it == blocks_.end()) {
    NETMOD_ASSIGN_OR_RETURN(auto kv, tx_.get(keys::block(cidr)));
    std::optional<Block> b;
    if (kv) {
      NETMOD_ASSIGN_OR_RETURN(auto decoded, Block::decode(kv->value));
      b = std::move(decoded);
    }
    it = blocks_.emplace(name, std::move(b)).first;
  }
  return it->second ? &*it->second : nullptr;
}

Result<Block*> Session::claim(const net::Cidr& cidr, const Pool& pool, const std::string& host) {
  std::string name = cidr.str();
  blocks_.insert_or_assign(name, Block(cidr, pool.cidr, host));
  dirty_blocks_.insert(name);
  deleted_blocks_.erase(name);
  if (all_blocks_) all_blocks_->push_back(cidr);
  tx_.put(keys::affinity(host, cidr), "");
  NETMOD_ASSIGN_OR_RETURN(auto known, tx_.get(keys::host(host)));
  if (!known) tx_.put(keys::host(host), json{{"first_seen_ms", now_ms_}}.dump());
  return &*blocks_.at(name);
}

void Session::delete_block(const Block& b) {
  std::string name = b.cidr().str();
  tx_.del(keys::affinity(b.host(), b.cidr()));
  tx_.del(keys::block(b.cidr()));
  deleted_blocks_.insert(name);
  dirty_blocks_.erase(name);
}

Result<const std::vector<net::Cidr>*> Session::all_blocks() {
  if (!all_blocks_) {
    NETMOD_ASSIGN_OR_RETURN(auto kvs, tx_.list(keys::kBlocks));
    all_blocks_.emplace();
    for (const auto& kv : kvs) {
      auto cidr = net::Cidr::parse(keys::unescape_segment(std::string_view(kv.key).substr(keys::kBlocks.size())));
      if (!cidr) return make_error(Errc::corrupt, "stored block key \"" + kv.key + "\" is corrupt");
      all_blocks_->push_back(*cidr);
    }
  }
  return &*all_blocks_;
}

Result<std::vector<net::Cidr>> Session::affine_blocks(const std::string& host) {
  std::string prefix = keys::affinity_prefix(host);
  NETMOD_ASSIGN_OR_RETURN(auto kvs, tx_.list(prefix));
  std::vector<net::Cidr> out;
  for (const auto& kv : kvs) {
    auto cidr = net::Cidr::parse(keys::unescape_segment(std::string_view(kv.key).substr(prefix.size())));
    if (!cidr) return make_error(Errc::corrupt, "stored affinity key \"" + kv.key + "\" is corrupt");
    out.push_back(*cidr);
  }
  return out;
}

Result<HandleRecord*> Session::existing_handle(const std::string& handle) {
  auto it = handles_.find(handle);
  if (it == handles_.end()) {
    NETMOD_ASSIGN_OR_RETURN(auto kv, tx_.get(keys::handle(handle)));
    std::optional<HandleRecord> h;
    if (kv) {
      NETMOD_ASSIGN_OR_RETURN(h, decode_handle(handle, kv->value));
    }
    it = handles_.emplace(handle, std::move(h)).first;
  }
  return it->second ? &*it->second : nullptr;
}

Result<HandleRecord*> Session::handle(const std::string& handle, const std::string& host) {
  NETMOD_ASSIGN_OR_RETURN(HandleRecord * h, existing_handle(handle));
  if (!h) {
    handles_[handle] = HandleRecord{handle, host, {}};
    h = &*handles_[handle];
  }
  dirty_handles_.insert(handle);
  return h;
}

void Session::flush() {
  for (const auto& name : dirty_blocks_) {
    const auto& b = blocks_.at(name);
    if (b) tx_.put(keys::block(b->cidr()), b->encode());
  }
  for (const auto& name : dirty_handles_) {
    const auto& h = handles_.at(name);
    if (!h) continue;
    if (h->addresses.empty()) {
      tx_.del(keys::handle(name));
    } else {
      tx_.put(keys::handle(name), encode_handle(*h));
    }
  }
  dirty_blocks_.clear();
  dirty_handles_.clear();
}

}  // namespace netmod::ipam::detail
