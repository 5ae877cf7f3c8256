#include "ipam/block.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace netmod::ipam {

using json = nlohmann::json;

namespace {

// Reads an integer up to `sep` (or the end) and advances past it.
template <class T>
bool read_number(std::string_view& s, char sep, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || p == s.data()) return false;
  size_t used = static_cast<size_t>(p - s.data());
  if (used < s.size()) {
    if (s[used] != sep) return false;
    ++used;
  }
  s.remove_prefix(used);
  return true;
}

}  // namespace

std::string BlockSummary::encode() const {
  return std::to_string(unused) + "," + std::to_string(released) + "," + std::to_string(oldest_ms);
}

Result<BlockSummary> BlockSummary::decode(std::string_view text) {
  BlockSummary s;
  std::string_view rest = text;
  if (!read_number(rest, ',', s.unused) || !read_number(rest, ',', s.released) ||
      !read_number(rest, ',', s.oldest_ms) || !rest.empty()) {
    return make_error(Errc::corrupt, "stored block summary \"" + std::string(text.substr(0, 80)) + "\" is corrupt");
  }
  return s;
}

Block::Block(net::Cidr cidr, net::Cidr pool, std::string host)
    : cidr_(cidr), pool_(pool), host_(std::move(host)), owner_(static_cast<size_t>(cidr.size()), -1) {}

std::optional<uint32_t> Block::ordinal_of(const net::IpAddress& a) const {
  if (!cidr_.contains(a)) return std::nullopt;
  return static_cast<uint32_t>(cidr_.offset_of(a));
}

bool Block::is_reserved(uint32_t ordinal) const { return is_reserved_address(pool_, address(ordinal)); }

std::vector<uint32_t> Block::free_ordinals(int64_t now_ms, int64_t cooldown_ms, size_t limit) const {
  std::vector<uint32_t> out;
  std::vector<bool> queued(size(), false);
  for (const auto& r : released_) queued[r.ordinal] = true;
  for (uint32_t i = 0; i < size() && out.size() < limit; ++i) {
    if (owner_[i] < 0 && !queued[i] && !is_reserved(i)) out.push_back(i);
  }
  // The queue is in release order, so the first one still cooling ends it.
  for (const auto& r : released_) {
    if (out.size() >= limit || now_ms - r.at_ms < cooldown_ms) break;
    out.push_back(r.ordinal);
  }
  return out;
}

size_t Block::cooling(int64_t now_ms, int64_t cooldown_ms) const {
  return static_cast<size_t>(std::count_if(released_.begin(), released_.end(),
                                           [&](const Released& r) { return now_ms - r.at_ms < cooldown_ms; }));
}

const std::string* Block::owner(uint32_t ordinal) const {
  int32_t idx = owner_.at(ordinal);
  return idx < 0 ? nullptr : &handles_[static_cast<size_t>(idx)];
}

std::vector<std::pair<uint32_t, std::string>> Block::allocations() const {
  std::vector<std::pair<uint32_t, std::string>> out;
  for (uint32_t i = 0; i < size(); ++i) {
    if (owner_[i] >= 0) out.emplace_back(i, handles_[static_cast<size_t>(owner_[i])]);
  }
  return out;
}

size_t Block::allocated_count() const {
  return static_cast<size_t>(std::count_if(owner_.begin(), owner_.end(), [](int32_t o) { return o >= 0; }));
}

void Block::assign(uint32_t ordinal, const std::string& handle) {
  std::erase_if(released_, [&](const Released& r) { return r.ordinal == ordinal; });
  auto it = std::find(handles_.begin(), handles_.end(), handle);
  if (it == handles_.end()) it = handles_.insert(handles_.end(), handle);
  owner_.at(ordinal) = static_cast<int32_t>(it - handles_.begin());
}

std::optional<std::string> Block::release(uint32_t ordinal, int64_t now_ms) {
  int32_t idx = owner_.at(ordinal);
  if (idx < 0) return std::nullopt;
  owner_[ordinal] = -1;
  released_.push_back({ordinal, now_ms});
  return handles_[static_cast<size_t>(idx)];
}

BlockSummary Block::summary() const {
  BlockSummary s;
  std::vector<bool> queued(size(), false);
  for (const auto& r : released_) queued[r.ordinal] = true;
  for (uint32_t i = 0; i < size(); ++i) {
    if (owner_[i] < 0 && !queued[i] && !is_reserved(i)) ++s.unused;
  }
  s.released = static_cast<uint32_t>(released_.size());
  s.oldest_ms = released_.empty() ? 0 : released_.front().at_ms;
  return s;
}

std::string Block::encode() const {
  // Compact the handle table to the handles still referenced, in first-use order.
  std::vector<std::string> names;
  std::vector<int32_t> remap(handles_.size(), -1);
  std::string allocs;
  allocs.reserve(owner_.size() * 3);
  for (int32_t idx : owner_) {
    if (!allocs.empty()) allocs += ',';
    if (idx < 0) {
      allocs += '-';
      continue;
    }
    int32_t& to = remap[static_cast<size_t>(idx)];
    if (to < 0) {
      to = static_cast<int32_t>(names.size());
      names.push_back(handles_[static_cast<size_t>(idx)]);
    }
    allocs += std::to_string(to);
  }
  std::string rel;
  for (const auto& r : released_) {
    if (!rel.empty()) rel += ',';
    rel += std::to_string(r.ordinal) + "@" + std::to_string(r.at_ms);
  }
  return json{{"cidr", cidr_.str()}, {"pool", pool_.str()}, {"host", host_},
              {"handles", names},    {"allocations", allocs}, {"released", rel}}
      .dump();
}

Result<Block> Block::decode(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  auto corrupt = [&](const std::string& why) {
    std::string name = doc.is_object() && doc.contains("cidr") ? doc["cidr"].dump() + " " : "";
    return make_error(Errc::corrupt, "stored block " + name + "is corrupt: " + why);
  };
  if (doc.is_discarded() || !doc.is_object()) return corrupt("not a JSON object");
  try {
    auto cidr = net::Cidr::parse(doc.at("cidr").get<std::string>());
    auto pool = net::Cidr::parse(doc.at("pool").get<std::string>());
    if (!cidr || !pool) return corrupt("bad cidr or pool");
    if (!pool->contains(*cidr)) return corrupt("block is outside its pool");
    if (cidr->size() > 4096) return corrupt("block too large");
    Block b(*cidr, *pool, doc.at("host").get<std::string>());
    b.handles_ = doc.at("handles").get<std::vector<std::string>>();
    std::string allocs_text = doc.at("allocations").get<std::string>();
    std::string_view allocs = allocs_text;
    for (uint32_t i = 0; i < b.size(); ++i) {
      if (allocs.starts_with('-')) {
        allocs.remove_prefix(allocs.size() > 1 && allocs[1] == ',' ? 2 : 1);
        continue;
      }
      uint32_t idx = 0;
      if (!read_number(allocs, ',', idx)) return corrupt("allocation list is malformed");
      if (idx >= b.handles_.size()) return corrupt("allocation " + std::to_string(i) + " refers to no handle");
      b.owner_[i] = static_cast<int32_t>(idx);
    }
    if (!allocs.empty()) return corrupt("allocation list has the wrong size");
    std::string rel_text = doc.at("released").get<std::string>();
    std::string_view rel = rel_text;
    std::vector<bool> queued(b.size(), false);
    while (!rel.empty()) {
      Released r;
      if (!read_number(rel, '@', r.ordinal) || !read_number(rel, ',', r.at_ms) || r.ordinal >= b.size() ||
          b.owner_[r.ordinal] >= 0 || queued[r.ordinal]) {
        return corrupt("release list is malformed");
      }
      queued[r.ordinal] = true;
      b.released_.push_back(r);
    }
    return b;
  } catch (const json::exception& e) {
    return corrupt(e.what());
  }
}

}  // namespace netmod::ipam
