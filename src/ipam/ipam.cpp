#include "ipam/ipam.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>

#include "ipam/keys.hpp"
#include "ipam/session.hpp"

namespace netmod::ipam {

using detail::Session;

namespace {

std::string join_cidrs(const std::vector<Pool>& pools) {
  std::string out;
  for (const auto& p : pools) out += (out.empty() ? "" : ", ") + p.cidr.str();
  return out;
}

// Takes up to `want` free addresses of `b` for the request.
void take(Session& s, Block& b, const AutoRequest& req, int64_t cooldown_ms, size_t& want,
          std::vector<net::IpAddress>& out) {
  if (want == 0) return;
  auto ords = b.free_ordinals(s.now(), cooldown_ms, want);
  for (uint32_t ord : ords) {
    b.assign(ord, req.handle);
    out.push_back(b.address(ord));
  }
  if (!ords.empty()) s.mark_dirty(b);
  want -= ords.size();
}

bool in_pools(const std::vector<Pool>& pools, const net::Cidr& block) {
  return std::any_of(pools.begin(), pools.end(), [&](const Pool& p) { return p.cidr.contains(block); });
}

// Allocates `count` addresses from `pools` (all of one family): the host's
// blocks, then new blocks, then borrowed addresses. Blocks whose affinity
// summary says they cannot serve are never read.
Result<std::vector<net::IpAddress>> allocate_family(Session& s, const std::vector<Pool>& pools,
                                                    const AutoRequest& req, unsigned count,
                                                    int64_t cooldown_ms) {
  std::vector<net::IpAddress> out;
  size_t want = count;

  // 1. Blocks affine to this host, in pool order.
  NETMOD_ASSIGN_OR_RETURN(auto mine, s.affinities_of(req.host));
  for (const Pool& pool : pools) {
    for (const auto& rec : mine) {
      if (want == 0) break;
      if (!pool.cidr.contains(rec.block) || !rec.summary.can_serve(s.now(), cooldown_ms)) continue;
      NETMOD_ASSIGN_OR_RETURN(Block * b, s.block(rec.block));
      if (b && b->host() == req.host) take(s, *b, req, cooldown_ms, want, out);
    }
  }
  if (want == 0) return out;

  // 2. Claim the lowest unclaimed blocks of each pool.
  NETMOD_ASSIGN_OR_RETURN(const std::vector<AffinityRecord>* all, s.all_affinities());
  std::set<net::Cidr> claimed;
  for (const auto& rec : *all) claimed.insert(rec.block);
  for (const Pool& pool : pools) {
    for (net::U128 i = 0; i < pool.block_count() && want > 0; ++i) {
      net::Cidr cidr = pool.block_at(i);
      if (claimed.count(cidr)) continue;
      // A one-address block holding only a reserved address serves no one.
      if (cidr.size() == 1 && pool.is_reserved(cidr.network())) continue;
      NETMOD_ASSIGN_OR_RETURN(Block * existing, s.block(cidr));
      claimed.insert(cidr);
      if (existing) continue;  // a block without affinity record; `ipam check` reports it
      NETMOD_ASSIGN_OR_RETURN(Block * b, s.claim(cidr, pool, req.host));
      take(s, *b, req, cooldown_ms, want, out);
    }
  }
  if (want == 0) return out;

  // 3. Borrow from other hosts' blocks.
  for (const auto& rec : std::vector<AffinityRecord>(*all)) {
    if (want == 0) break;
    if (rec.host == req.host || !in_pools(pools, rec.block) || !rec.summary.can_serve(s.now(), cooldown_ms)) {
      continue;
    }
    NETMOD_ASSIGN_OR_RETURN(Block * b, s.block(rec.block));
    if (b) take(s, *b, req, cooldown_ms, want, out);
  }
  if (want == 0) return out;

  size_t cooling = 0;
  for (const auto& rec : *all) {
    if (!in_pools(pools, rec.block) || rec.summary.released == 0) continue;
    NETMOD_ASSIGN_OR_RETURN(Block * b, s.block(rec.block));
    if (b) cooling += b->cooling(s.now(), cooldown_ms);
  }
  std::string fam(net::family_name(pools.front().family()));
  std::string msg = "pool exhausted: no free " + fam + " address left in " + join_cidrs(pools) +
                    " (asked for " + std::to_string(count) + ", found " + std::to_string(out.size()) + ")";
  if (cooling > 0) {
    msg += "; " + std::to_string(cooling) + " released addresses are in their " +
           std::to_string(cooldown_ms / 1000) + " s reuse cooldown, retry later";
  }
  return make_error(Errc::exhausted, msg);
}

// Files the request's attributes on its handle record: a new record takes
// them; an existing one gains the netgroups and labels.
void merge_attributes(HandleRecord& h, const Attributes& attrs) {
  std::set<std::string> groups(h.attrs.netgroups.begin(), h.attrs.netgroups.end());
  groups.insert(attrs.netgroups.begin(), attrs.netgroups.end());
  h.attrs.netgroups.assign(groups.begin(), groups.end());
  for (const auto& [k, v] : attrs.labels) h.attrs.labels[k] = v;
}

// The pools a request may draw from for one family.
Result<std::vector<Pool>> candidate_pools(const std::vector<Pool>& all, const AutoRequest& req,
                                          net::Family family) {
  std::vector<Pool> out;
  if (req.pools.empty()) {
    for (const Pool& p : all) {
      if (p.family() == family) out.push_back(p);
    }
  } else {
    for (const auto& cidr : req.pools) {
      auto it = std::find_if(all.begin(), all.end(), [&](const Pool& p) { return p.cidr == cidr; });
      if (it == all.end()) return make_error(Errc::not_found, "pool " + cidr.str() + " does not exist");
      if (it->family() == family) out.push_back(*it);
    }
  }
  if (out.empty()) {
    return make_error(Errc::exhausted, "no " + std::string(net::family_name(family)) +
                                           " pool to allocate from; add one with 'netmod pool add'");
  }
  return out;
}

}  // namespace

Ipam::Ipam(store::Store& store, IpamOptions options) : store_(store), options_(std::move(options)) {}

int64_t Ipam::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<Pool> Ipam::add_pool(const PoolSpec& spec) {
  NETMOD_ASSIGN_OR_RETURN(Pool pool, make_pool(spec));
  NETMOD_TRY(store_.update([&](store::Tx& tx) -> Result<void> {
    Session s(tx, now());
    NETMOD_ASSIGN_OR_RETURN(auto pools, s.pools());
    NETMOD_TRY(check_no_overlap(pool, pools));
    pools.push_back(pool);
    s.write_pools(pools);
    return ok();
  }));
  return pool;
}

Result<std::vector<Pool>> Ipam::pools() {
  std::vector<Pool> out;
  NETMOD_TRY(store_.view([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(out, pools(tx));
    return ok();
  }));
  return out;
}

Result<std::vector<Pool>> Ipam::pools(store::Tx& tx) {
  Session s(tx, now());
  return s.pools();
}

Result<void> Ipam::ensure_pools(const std::vector<net::Cidr>& cidrs) {
  return store_.update([&](store::Tx& tx) { return ensure_pools(tx, cidrs); });
}

Result<void> Ipam::ensure_pools(store::Tx& tx, const std::vector<net::Cidr>& cidrs) {
  Session s(tx, now());
  NETMOD_ASSIGN_OR_RETURN(auto pools, s.pools());
  bool changed = false;
  for (const auto& cidr : cidrs) {
    if (std::any_of(pools.begin(), pools.end(), [&](const Pool& p) { return p.cidr == cidr; })) continue;
    // The default block size, or the whole pool when it is smaller.
    const unsigned def = cidr.family() == net::Family::v4 ? kDefaultBlockSizeV4 : kDefaultBlockSizeV6;
    NETMOD_ASSIGN_OR_RETURN(Pool pool, make_pool({cidr, std::max(def, cidr.prefix_len()), false}));
    NETMOD_TRY(check_no_overlap(pool, pools));
    pools.push_back(pool);
    changed = true;
  }
  if (changed) s.write_pools(pools);
  return ok();
}

Result<Pool> Ipam::set_nat_outgoing(const net::Cidr& cidr, bool enabled) {
  Pool result{cidr, 0, enabled};
  NETMOD_TRY(store_.update([&](store::Tx& tx) -> Result<void> {
    Session s(tx, now());
    NETMOD_ASSIGN_OR_RETURN(auto pools, s.pools());
    auto it = std::find_if(pools.begin(), pools.end(), [&](const Pool& p) { return p.cidr == cidr; });
    if (it == pools.end()) return make_error(Errc::not_found, "pool " + cidr.str() + " does not exist");
    it->nat_outgoing = enabled;
    result = *it;
    s.write_pools(pools);
    return ok();
  }));
  return result;
}

Result<void> Ipam::remove_pool(const net::Cidr& cidr, bool force) {
  return store_.update([&](store::Tx& tx) -> Result<void> {
    Session s(tx, now());
    NETMOD_ASSIGN_OR_RETURN(auto pools, s.pools());
    auto it = std::find_if(pools.begin(), pools.end(), [&](const Pool& p) { return p.cidr == cidr; });
    if (it == pools.end()) return make_error(Errc::not_found, "pool " + cidr.str() + " does not exist");
    NETMOD_ASSIGN_OR_RETURN(const std::vector<AffinityRecord>* all, s.all_affinities());
    std::vector<Block*> blocks;
    size_t allocated = 0;
    std::set<std::string> holders;
    for (const auto& rec : *all) {
      if (!cidr.contains(rec.block)) continue;
      NETMOD_ASSIGN_OR_RETURN(Block * b, s.block(rec.block));
      if (!b) continue;
      blocks.push_back(b);
      for (const auto& [ord, handle] : b->allocations()) {
        ++allocated;
        holders.insert(handle);
      }
    }
    if (allocated > 0 && !force) {
      std::string names;
      for (const auto& h : holders) {
        if (names.size() > 80) {
          names += ", ...";
          break;
        }
        names += (names.empty() ? "" : ", ") + h;
      }
      return make_error(Errc::conflict, "pool " + cidr.str() + " has " + std::to_string(allocated) +
                                            " allocated addresses (uids: " + names +
                                            "); release them first or use --force");
    }
    for (Block* b : blocks) {
      for (const auto& [ord, handle] : b->allocations()) {
        NETMOD_ASSIGN_OR_RETURN(HandleRecord * h, s.existing_handle(handle));
        if (!h) continue;
        std::erase(h->addresses, b->address(ord));
        s.touch_handle(handle);
      }
      s.delete_block(*b);
    }
    pools.erase(it);
    s.write_pools(pools);
    s.flush();
    return ok();
  });
}

Result<Assigned> Ipam::allocate(const AutoRequest& req) {
  Assigned out;
  NETMOD_TRY(store_.update([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(out, allocate(tx, req));
    return ok();
  }));
  return out;
}

Result<Assigned> Ipam::allocate(store::Tx& tx, const AutoRequest& req) {
  if (req.num_v4 > kMaxAddressesPerFamily || req.num_v6 > kMaxAddressesPerFamily) {
    return make_error(Errc::invalid_argument, "at most " + std::to_string(kMaxAddressesPerFamily) +
                                                  " addresses of each family per request");
  }
  Assigned out;
  Session s(tx, now());
  NETMOD_ASSIGN_OR_RETURN(auto pools, s.pools());
  if (pools.empty() && !options_.default_pools.empty()) {
    for (const auto& spec : options_.default_pools) {
      NETMOD_ASSIGN_OR_RETURN(Pool p, make_pool(spec));
      if (auto r = check_no_overlap(p, pools); !r) {
        return make_error(Errc::invalid_argument, "default_pools: " + r.error().message);
      }
      pools.push_back(p);
    }
    s.write_pools(pools);
  }
  if (req.num_v4 > 0) {
    NETMOD_ASSIGN_OR_RETURN(auto cands, candidate_pools(pools, req, net::Family::v4));
    NETMOD_ASSIGN_OR_RETURN(out.v4, allocate_family(s, cands, req, req.num_v4, options_.release_cooldown_ms));
  }
  if (req.num_v6 > 0) {
    NETMOD_ASSIGN_OR_RETURN(auto cands, candidate_pools(pools, req, net::Family::v6));
    NETMOD_ASSIGN_OR_RETURN(out.v6, allocate_family(s, cands, req, req.num_v6, options_.release_cooldown_ms));
  }
  if (out.v4.empty() && out.v6.empty()) return out;
  NETMOD_ASSIGN_OR_RETURN(HandleRecord * h, s.handle(req.handle, req.host));
  merge_attributes(*h, req.attrs);
  h->addresses.insert(h->addresses.end(), out.v4.begin(), out.v4.end());
  h->addresses.insert(h->addresses.end(), out.v6.begin(), out.v6.end());
  s.flush();
  return out;
}

Result<Assigned> Ipam::reserve(const StaticRequest& req) {
  Assigned out;
  NETMOD_TRY(store_.update([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(out, reserve(tx, req));
    return ok();
  }));
  return out;
}

Result<Assigned> Ipam::reserve(store::Tx& tx, const StaticRequest& req) {
  std::set<net::IpAddress> seen;
  for (const auto& a : req.addresses) {
    if (!seen.insert(a).second) {
      return make_error(Errc::invalid_argument, "address " + a.str() + " is listed twice");
    }
  }
  Assigned out;
  Session s(tx, now());
  NETMOD_ASSIGN_OR_RETURN(auto pools, s.pools());
  NETMOD_ASSIGN_OR_RETURN(HandleRecord * h, s.handle(req.handle, req.host));
  merge_attributes(*h, req.attrs);
  for (const auto& addr : req.addresses) {
    const Pool* pool = find_pool(pools, addr);
    if (!pool) return make_error(Errc::invalid_argument, "address " + addr.str() + " is not in any pool");
    if (pool->is_reserved(addr)) {
      return make_error(Errc::invalid_argument, "address " + addr.str() +
                                                    " is the network or broadcast address of pool " +
                                                    pool->cidr.str());
    }
    net::Cidr bc = pool->block_of(addr);
    NETMOD_ASSIGN_OR_RETURN(Block * b, s.block(bc));
    if (!b) {
      NETMOD_ASSIGN_OR_RETURN(b, s.claim(bc, *pool, req.host));
    }
    uint32_t ord = *b->ordinal_of(addr);
    if (const std::string* held = b->owner(ord)) {
      if (*held != req.handle) {
        return make_error(Errc::conflict, "address " + addr.str() + " is already in use (uid " + *held + ")");
      }
    } else {
      b->assign(ord, req.handle);
      s.mark_dirty(*b);
      h->addresses.push_back(addr);
    }
    (addr.is_v4() ? out.v4 : out.v6).push_back(addr);
  }
  s.flush();
  return out;
}

Result<std::vector<net::IpAddress>> Ipam::release_addresses(const std::vector<net::IpAddress>& addresses) {
  std::vector<net::IpAddress> out;
  NETMOD_TRY(store_.update([&](store::Tx& tx) -> Result<void> {
    out.clear();
    Session s(tx, now());
    NETMOD_ASSIGN_OR_RETURN(auto pools, s.pools());
    for (const auto& addr : addresses) {
      const Pool* pool = find_pool(pools, addr);
      if (!pool) return make_error(Errc::invalid_argument, "address " + addr.str() + " is not in any pool");
      NETMOD_ASSIGN_OR_RETURN(Block * b, s.block(pool->block_of(addr)));
      if (!b) continue;
      auto prev = b->release(*b->ordinal_of(addr), s.now());
      if (!prev) continue;
      s.mark_dirty(*b);
      out.push_back(addr);
      NETMOD_ASSIGN_OR_RETURN(HandleRecord * h, s.existing_handle(*prev));
      if (h) {
        std::erase(h->addresses, addr);
        s.touch_handle(*prev);
      }
    }
    s.flush();
    return ok();
  }));
  return out;
}

Result<std::vector<net::IpAddress>> Ipam::release_handle(const std::string& handle) {
  std::vector<net::IpAddress> out;
  NETMOD_TRY(store_.update([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(out, release_handle(tx, handle));
    return ok();
  }));
  return out;
}

namespace {

// Calls fn(block, ordinal, address) for each of `addresses` that its
// block holds for `handle` (skipping those whose pool was removed with
// --force, or whose block holds them for another handle or free).
Result<void> for_each_held(Session& s, const std::vector<net::IpAddress>& addresses, const std::string& handle,
                           const std::function<void(Block&, uint32_t, const net::IpAddress&)>& fn) {
  NETMOD_ASSIGN_OR_RETURN(auto pools, s.pools());
  for (const auto& addr : addresses) {
    const Pool* pool = find_pool(pools, addr);
    if (!pool) continue;
    NETMOD_ASSIGN_OR_RETURN(Block * b, s.block(pool->block_of(addr)));
    if (!b) continue;
    uint32_t ord = *b->ordinal_of(addr);
    const std::string* held = b->owner(ord);
    if (!held || *held != handle) continue;
    fn(*b, ord, addr);
    s.mark_dirty(*b);
  }
  return ok();
}

}  // namespace

Result<std::vector<net::IpAddress>> Ipam::release_handle(store::Tx& tx, const std::string& handle) {
  std::vector<net::IpAddress> out;
  Session s(tx, now());
  NETMOD_ASSIGN_OR_RETURN(HandleRecord * h, s.existing_handle(handle));
  if (!h) return out;
  NETMOD_TRY(for_each_held(s, h->addresses, handle, [&](Block& b, uint32_t ord, const net::IpAddress& addr) {
    b.release(ord, s.now());
    out.push_back(addr);
  }));
  h->addresses.clear();
  s.touch_handle(handle);
  s.flush();
  return out;
}

Result<Ipam::HostForgotten> Ipam::forget_host(store::Tx& tx, const std::string& host) {
  HostForgotten out;
  NETMOD_ASSIGN_OR_RETURN(auto snap, snapshot(tx));
  for (const auto& h : snap.handles) {
    if (h.host != host) continue;
    NETMOD_ASSIGN_OR_RETURN(auto released, release_handle(tx, h.handle));
    out.released.insert(out.released.end(), released.begin(), released.end());
  }
  Session s(tx, now());
  NETMOD_ASSIGN_OR_RETURN(auto affinities, s.affinities_of(host));
  for (const auto& a : affinities) {
    NETMOD_ASSIGN_OR_RETURN(Block * b, s.block(a.block));
    if (!b || !b->allocations().empty()) continue;
    s.delete_block(*b);
    out.freed_blocks.push_back(a.block);
  }
  tx.del(keys::host(host));
  s.flush();
  return out;
}

Result<bool> Ipam::rename_handle(store::Tx& tx, const std::string& from, const std::string& to) {
  Session s(tx, now());
  NETMOD_ASSIGN_OR_RETURN(HandleRecord * old, s.existing_handle(from));
  if (!old) return false;
  NETMOD_ASSIGN_OR_RETURN(HandleRecord * taken, s.existing_handle(to));
  if (taken) return make_error(Errc::already_exists, "uid " + to + " exists already");
  const HandleRecord moved = *old;
  NETMOD_ASSIGN_OR_RETURN(HandleRecord * h, s.handle(to, moved.host));
  h->attrs = moved.attrs;
  NETMOD_TRY(for_each_held(s, moved.addresses, from, [&](Block& b, uint32_t ord, const net::IpAddress& addr) {
    b.assign(ord, to);
    h->addresses.push_back(addr);
  }));
  NETMOD_ASSIGN_OR_RETURN(old, s.existing_handle(from));
  old->addresses.clear();
  s.touch_handle(from);
  s.flush();
  return true;
}

Result<std::optional<HandleRecord>> Ipam::handle(const std::string& handle) {
  std::optional<HandleRecord> out;
  NETMOD_TRY(store_.view([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(out, this->handle(tx, handle));
    return ok();
  }));
  return out;
}

Result<std::optional<HandleRecord>> Ipam::handle(store::Tx& tx, const std::string& handle) {
  NETMOD_ASSIGN_OR_RETURN(auto kv, tx.get(keys::handle(handle)));
  if (!kv) return std::optional<HandleRecord>();
  NETMOD_ASSIGN_OR_RETURN(auto h, detail::decode_handle(handle, kv->value));
  return std::optional<HandleRecord>(std::move(h));
}

Result<std::optional<std::string>> Ipam::holder(const net::IpAddress& address) {
  std::optional<std::string> out;
  NETMOD_TRY(store_.view([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(out, holder(tx, address));
    return ok();
  }));
  return out;
}

Result<std::optional<std::string>> Ipam::holder(store::Tx& tx, const net::IpAddress& address) {
  Session s(tx, now());
  NETMOD_ASSIGN_OR_RETURN(auto pools, s.pools());
  const Pool* pool = find_pool(pools, address);
  if (!pool) return std::optional<std::string>();
  NETMOD_ASSIGN_OR_RETURN(Block * b, s.block(pool->block_of(address)));
  if (!b) return std::optional<std::string>();
  if (const std::string* h = b->owner(*b->ordinal_of(address))) return std::optional<std::string>(*h);
  return std::optional<std::string>();
}

Result<std::vector<net::Cidr>> Ipam::blocks_of(const std::string& host) {
  std::vector<net::Cidr> out;
  NETMOD_TRY(store_.view([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(out, blocks_of(tx, host));
    return ok();
  }));
  return out;
}

Result<std::vector<net::Cidr>> Ipam::blocks_of(store::Tx& tx, const std::string& host) {
  Session s(tx, now());
  NETMOD_ASSIGN_OR_RETURN(auto recs, s.affinities_of(host));
  std::vector<net::Cidr> out;
  for (const auto& r : recs) out.push_back(r.block);
  return out;
}

Result<std::vector<AffinityRecord>> Ipam::affinities(store::Tx& tx, std::vector<Error>& undecodable) {
  NETMOD_ASSIGN_OR_RETURN(auto kvs, tx.list(keys::kAffinity));
  std::vector<AffinityRecord> out;
  for (const auto& kv : kvs) {
    auto a = detail::decode_affinity(kv.key, kv.value);
    if (!a) {
      undecodable.push_back(std::move(a).error());
      continue;
    }
    out.push_back(std::move(*a));
  }
  return out;
}

Result<std::vector<AddressRecord>> Ipam::addresses() {
  // Blocks and handles at one revision: an allocation running meanwhile
  // must not show as an address without its holder's record.
  std::vector<store::KeyValue> block_kvs, handle_kvs;
  NETMOD_TRY(store_.read([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(block_kvs, tx.list(keys::kBlocks));
    NETMOD_ASSIGN_OR_RETURN(handle_kvs, tx.list(keys::kHandles));
    return ok();
  }));
  std::map<std::string, HandleRecord> handles;
  for (const auto& kv : handle_kvs) {
    std::string name = keys::unescape_segment(std::string_view(kv.key).substr(keys::kHandles.size()));
    NETMOD_ASSIGN_OR_RETURN(auto h, detail::decode_handle(name, kv.value));
    handles.emplace(name, std::move(h));
  }
  std::vector<AddressRecord> out;
  for (const auto& kv : block_kvs) {
    NETMOD_ASSIGN_OR_RETURN(Block b, Block::decode(kv.value));
    for (const auto& [ord, handle] : b.allocations()) {
      AddressRecord r{b.address(ord), b.cidr(), b.host(), handle, {}, {}};
      if (auto it = handles.find(handle); it != handles.end()) {
        r.host = it->second.host;
        r.attrs = it->second.attrs;
      }
      out.push_back(std::move(r));
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.address < y.address; });
  return out;
}

Result<Snapshot> Ipam::snapshot() {
  Snapshot snap;
  NETMOD_TRY(store_.read([&](store::Tx& tx) -> Result<void> {
    NETMOD_ASSIGN_OR_RETURN(snap, snapshot(tx));
    return ok();
  }));
  return snap;
}

Result<Snapshot> Ipam::snapshot(store::Tx& tx) {
  Snapshot snap;
  NETMOD_ASSIGN_OR_RETURN(auto kvs, tx.list(keys::kRoot));
  for (const auto& kv : kvs) {
    std::string_view key = kv.key;
    auto record = [&](auto r) -> bool {
      if (!r) snap.undecodable.push_back(r.error());
      return static_cast<bool>(r);
    };
    if (key == keys::kPools) {
      auto p = decode_pools(kv.value);
      if (record(p)) snap.pools = *p;
    } else if (key.starts_with(keys::kBlocks)) {
      auto b = Block::decode(kv.value);
      if (record(b)) snap.blocks.push_back(std::move(*b));
    } else if (key.starts_with(keys::kHandles)) {
      auto h = detail::decode_handle(keys::unescape_segment(key.substr(keys::kHandles.size())), kv.value);
      if (record(h)) snap.handles.push_back(std::move(*h));
    } else if (key.starts_with(keys::kHosts)) {
      snap.hosts.push_back(keys::unescape_segment(key.substr(keys::kHosts.size())));
    } else if (key.starts_with(keys::kAffinity)) {
      auto a = detail::decode_affinity(key, kv.value);
      if (record(a)) snap.affinities.push_back(std::move(*a));
    }
  }
  return snap;
}

}  // namespace netmod::ipam
