#include "ipam/block.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace netmod::ipam {

using json = nlohmann::json;

std::optional<uint32_t> Block::ordinal_of(const net::IpAddress& a) const {
  if (!cidr_.contains(a)) return std::nullopt;
  return static_cast<uint32_t>(cidr_.offset_of(a));
}

bool Block::is_reserved(uint32_t ordinal) const { return is_reserved_address(pool_, address(ordinal)); }

std::vector<uint32_t> Block::free_ordinals(int64_t now_ms, int64_t cooldown_ms, size_t limit) const {
  // (release seq, ordinal): never-used addresses have seq 0 and sort first.
  std::vector<std::pair<uint64_t, uint32_t>> order;
  for (uint32_t i = 0; i < size(); ++i) {
    if (allocations_.count(i) || is_reserved(i)) continue;
    auto r = released_.find(i);
    if (r == released_.end()) {
      order.emplace_back(0, i);
      // Never-used addresses come in ordinal order; enough of them ends the scan.
      if (released_.empty() && order.size() == limit) break;
    } else if (now_ms - r->second.at_ms >= cooldown_ms) {
      order.emplace_back(r->second.seq, i);
    }
  }
  std::sort(order.begin(), order.end());
  std::vector<uint32_t> out;
  for (size_t i = 0; i < order.size() && i < limit; ++i) out.push_back(order[i].second);
  return out;
}

size_t Block::cooling(int64_t now_ms, int64_t cooldown_ms) const {
  size_t n = 0;
  for (const auto& [ord, r] : released_) {
    if (!allocations_.count(ord) && now_ms - r.at_ms < cooldown_ms) ++n;
  }
  return n;
}

const Allocation* Block::allocation(uint32_t ordinal) const {
  auto it = allocations_.find(ordinal);
  return it == allocations_.end() ? nullptr : &it->second;
}

void Block::assign(uint32_t ordinal, Allocation a) {
  released_.erase(ordinal);
  allocations_[ordinal] = std::move(a);
}

std::optional<Allocation> Block::release(uint32_t ordinal, int64_t now_ms) {
  auto it = allocations_.find(ordinal);
  if (it == allocations_.end()) return std::nullopt;
  Allocation a = std::move(it->second);
  allocations_.erase(it);
  released_[ordinal] = Released{++seq_, now_ms};
  return a;
}

std::string Block::encode() const {
  json allocs = json::object();
  for (const auto& [ord, a] : allocations_) {
    json j{{"handle", a.handle}, {"host", a.host}};
    if (!a.attrs.netgroups.empty()) j["netgroups"] = a.attrs.netgroups;
    if (!a.attrs.labels.empty()) j["labels"] = a.attrs.labels;
    allocs[std::to_string(ord)] = std::move(j);
  }
  json rel = json::object();
  for (const auto& [ord, r] : released_) rel[std::to_string(ord)] = json::array({r.seq, r.at_ms});
  return json{{"cidr", cidr_.str()}, {"pool", pool_.str()}, {"host", host_}, {"seq", seq_},
              {"allocations", allocs}, {"released", rel}}
      .dump();
}

Result<Block> Block::decode(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  auto corrupt = [&](const std::string& why) {
    std::string name = doc.is_object() && doc.contains("cidr") ? doc["cidr"].dump() : "";
    return make_error(Errc::corrupt, "stored block " + name + " is corrupt: " + why);
  };
  if (doc.is_discarded() || !doc.is_object()) return corrupt("not a JSON object");
  try {
    auto cidr = net::Cidr::parse(doc.at("cidr").get<std::string>());
    auto pool = net::Cidr::parse(doc.at("pool").get<std::string>());
    if (!cidr || !pool) return corrupt("bad cidr or pool");
    if (!pool->contains(*cidr)) return corrupt("block is outside its pool");
    if (cidr->size() > 4096) return corrupt("block too large");
    Block b(*cidr, *pool, doc.at("host").get<std::string>());
    b.seq_ = doc.at("seq").get<uint64_t>();
    auto ordinal = [&](const std::string& key) -> std::optional<uint32_t> {
      uint32_t v = 0;
      auto [p, ec] = std::from_chars(key.data(), key.data() + key.size(), v);
      if (ec != std::errc() || p != key.data() + key.size() || v >= b.size()) return std::nullopt;
      return v;
    };
    for (const auto& [key, j] : doc.at("allocations").items()) {
      auto ord = ordinal(key);
      if (!ord) return corrupt("bad ordinal \"" + key + "\"");
      Allocation a{j.at("handle").get<std::string>(), j.at("host").get<std::string>(), {}};
      if (j.contains("netgroups")) a.attrs.netgroups = j["netgroups"].get<std::vector<std::string>>();
      if (j.contains("labels")) a.attrs.labels = j["labels"].get<Labels>();
      b.allocations_[*ord] = std::move(a);
    }
    for (const auto& [key, j] : doc.at("released").items()) {
      auto ord = ordinal(key);
      if (!ord || !j.is_array() || j.size() != 2) return corrupt("bad release entry \"" + key + "\"");
      b.released_[*ord] = Released{j[0].get<uint64_t>(), j[1].get<int64_t>()};
    }
    return b;
  } catch (const json::exception& e) {
    return corrupt(e.what());
  }
}

}  // namespace netmod::ipam
