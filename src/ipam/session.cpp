#include "ipam/session.hpp"

#include <nlohmann/json.hpp>

#include "ipam/keys.hpp"

namespace netmod::ipam::detail {

using json = nlohmann::json;

Result<HandleRecord> decode_handle(std::string_view name, std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  auto corrupt = [&](const std::string& why) {
    return make_error(Errc::corrupt, "stored handle \"" + std::string(name) + "\" is corrupt: " + why);
  };
  if (doc.is_discarded() || !doc.is_object()) return corrupt("not a JSON object");
  HandleRecord h;
  h.handle = std::string(name);
  try {
    h.host = doc.value("host", "");
    for (const json& a : doc.at("addresses")) {
      auto ip = net::IpAddress::parse(a.get<std::string>());
      if (!ip) return corrupt(ip.error().message);
      h.addresses.push_back(*ip);
    }
    if (doc.contains("netgroups")) h.attrs.netgroups = doc["netgroups"].get<std::vector<std::string>>();
    if (doc.contains("labels")) h.attrs.labels = doc["labels"].get<Labels>();
  } catch (const json::exception& e) {
    return corrupt(e.what());
  }
  return h;
}

std::string encode_handle(const HandleRecord& h) {
  json addrs = json::array();
  for (const auto& a : h.addresses) addrs.push_back(a.str());
  json doc{{"host", h.host}, {"addresses", addrs}};
  if (!h.attrs.netgroups.empty()) doc["netgroups"] = h.attrs.netgroups;
  if (!h.attrs.labels.empty()) doc["labels"] = h.attrs.labels;
  return doc.dump();
}

Result<AffinityRecord> decode_affinity(std::string_view key, std::string_view value) {
  auto rest = key.substr(std::min(key.size(), keys::kAffinity.size()));
  auto slash = rest.find('/');
  auto cidr = slash == std::string_view::npos ? Result<net::Cidr>(make_error(Errc::corrupt, "no block"))
                                              : net::Cidr::parse(keys::unescape_segment(rest.substr(slash + 1)));
  if (!key.starts_with(keys::kAffinity) || !cidr) {
    return make_error(Errc::corrupt, "stored affinity key \"" + std::string(key) + "\" is corrupt");
  }
  NETMOD_ASSIGN_OR_RETURN(BlockSummary summary, BlockSummary::decode(value));
  return AffinityRecord{keys::unescape_segment(rest.substr(0, slash)), *cidr, summary};
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
  Block* b = &*blocks_.at(name);
  dirty_blocks_.insert(name);
  if (affinities_) affinities_->push_back({host, cidr, b->summary()});
  NETMOD_ASSIGN_OR_RETURN(auto known, tx_.get(keys::host(host)));
  if (!known) tx_.put(keys::host(host), json{{"first_seen_ms", now_ms_}}.dump());
  return b;
}

void Session::delete_block(const Block& b) {
  std::string name = b.cidr().str();
  tx_.del(keys::affinity(b.host(), b.cidr()));
  tx_.del(keys::block(b.cidr()));
  dirty_blocks_.erase(name);
  blocks_[name] = std::nullopt;
}

Result<const std::vector<AffinityRecord>*> Session::all_affinities() {
  if (!affinities_) {
    NETMOD_ASSIGN_OR_RETURN(auto kvs, tx_.list(keys::kAffinity));
    affinities_.emplace();
    for (const auto& kv : kvs) {
      NETMOD_ASSIGN_OR_RETURN(auto rec, decode_affinity(kv.key, kv.value));
      affinities_->push_back(std::move(rec));
    }
  }
  return &*affinities_;
}

Result<std::vector<AffinityRecord>> Session::affinities_of(const std::string& host) {
  NETMOD_ASSIGN_OR_RETURN(auto kvs, tx_.list(keys::affinity_prefix(host)));
  std::vector<AffinityRecord> out;
  for (const auto& kv : kvs) {
    NETMOD_ASSIGN_OR_RETURN(auto rec, decode_affinity(kv.key, kv.value));
    out.push_back(std::move(rec));
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
    handles_[handle] = HandleRecord{handle, host, {}, {}};
    h = &*handles_[handle];
  }
  dirty_handles_.insert(handle);
  return h;
}

void Session::flush() {
  for (const auto& name : dirty_blocks_) {
    const auto& b = blocks_.at(name);
    if (!b) continue;
    tx_.put(keys::block(b->cidr()), b->encode());
    tx_.put(keys::affinity(b->host(), b->cidr()), b->summary().encode());
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
