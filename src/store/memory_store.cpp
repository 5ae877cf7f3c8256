#include "store/memory_store.hpp"

namespace netmod::store {

Result<std::optional<KeyValue>> MemoryStore::get(std::string_view key) {
  std::lock_guard lock(mu_);
  expire_locked();
  auto it = data_.find(key);
  if (it == data_.end()) return std::optional<KeyValue>();
  return std::optional<KeyValue>(it->second);
}

Result<std::vector<KeyValue>> MemoryStore::list(std::string_view prefix) {
  std::lock_guard lock(mu_);
  expire_locked();
  return list_locked(prefix);
}

std::vector<KeyValue> MemoryStore::list_locked(std::string_view prefix) const {
  std::vector<KeyValue> out;
  for (auto it = data_.lower_bound(prefix); it != data_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    out.push_back(it->second);
  }
  return out;
}

Result<bool> MemoryStore::commit(const Txn& txn) {
  std::lock_guard lock(mu_);
  if (fail_commits_ > 0) {
    --fail_commits_;
    return make_error(Errc::unavailable, "memory store: injected failure");
  }
  expire_locked();
  for (const Op& op : txn.ops) {
    if (op.lease != 0 && !leases_.count(op.lease)) {
      return make_error(Errc::not_found, "memory store: lease " + std::to_string(op.lease) + " not found");
    }
  }
  for (const Compare& c : txn.compares) {
    auto it = data_.find(c.key);
    int64_t current = it == data_.end() ? 0 : it->second.revision;
    if (current != c.revision) return false;
  }
  if (txn.ops.empty()) return true;
  ++revision_;
  // The events of one revision in key order, the last write of a key
  // winning (as the key space itself).
  std::map<std::string, Event, std::less<>> events;
  for (const Op& op : txn.ops) {
    for (auto& [id, l] : leases_) l.keys.erase(op.key);
    if (op.kind == Op::Kind::put) {
      if (op.lease != 0) leases_[op.lease].keys.insert(op.key);
      data_[op.key] = KeyValue{op.key, op.value, revision_};
      events[op.key] = Event{Event::Kind::put, op.key, op.value, revision_};
    } else if (data_.erase(op.key) || events.count(op.key)) {
      events[op.key] = Event{Event::Kind::del, op.key, "", revision_};
    }
  }
  for (auto& [k, e] : events) events_.push_back(std::move(e));
  if (revision_ - compacted_ > 2 * kKeptRevisions) {
    const int64_t upto = revision_ - kKeptRevisions;
    while (!events_.empty() && events_.front().revision <= upto) events_.pop_front();
    compacted_ = upto;
  }
  changed_.notify_all();
  return true;
}

Result<Snapshot> MemoryStore::list_at_once(const std::vector<std::string>& prefixes) {
  std::lock_guard lock(mu_);
  expire_locked();
  Snapshot snap;
  snap.revision = revision_;
  for (const auto& p : prefixes) snap.lists.push_back(list_locked(p));
  return snap;
}

Result<WatchResult> MemoryStore::watch(std::string_view prefix, int64_t from_revision, std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  expire_locked();
  WatchResult out;
  if (from_revision <= compacted_) {
    out.compacted = true;
    out.next_revision = from_revision;
    return out;
  }
  changed_.wait_for(lock, wait, [&] { return revision_ >= from_revision; });
  for (const auto& e : events_) {
    if (e.revision >= from_revision && e.key.compare(0, prefix.size(), prefix) == 0) out.events.push_back(e);
  }
  out.next_revision = std::max(from_revision, revision_ + 1);
  return out;
}

Result<void> MemoryStore::compact(int64_t revision) {
  std::lock_guard lock(mu_);
  if (revision <= compacted_) return ok();
  if (revision > revision_) {
    return make_error(Errc::invalid_argument, "cannot compact to revision " + std::to_string(revision) +
                                                  ": the store is at " + std::to_string(revision_));
  }
  while (!events_.empty() && events_.front().revision <= revision) events_.pop_front();
  compacted_ = revision;
  return ok();
}

Result<int64_t> MemoryStore::grant_lease(std::chrono::seconds ttl) {
  std::lock_guard lock(mu_);
  expire_locked();
  const int64_t id = next_lease_++;
  leases_[id] = Lease{ttl, now_() + ttl, {}};
  return id;
}

Result<int64_t> MemoryStore::keep_alive(int64_t lease) {
  std::lock_guard lock(mu_);
  expire_locked();
  auto it = leases_.find(lease);
  if (it == leases_.end()) return make_error(Errc::not_found, "memory store: lease " + std::to_string(lease) + " has ended");
  it->second.expires = now_() + it->second.ttl;
  return static_cast<int64_t>(it->second.ttl.count());
}

Result<void> MemoryStore::revoke_lease(int64_t lease) {
  std::lock_guard lock(mu_);
  if (leases_.count(lease)) end_leases_locked({lease});
  return ok();
}

void MemoryStore::expire_locked() {
  std::vector<int64_t> ended;
  const auto now = now_();
  for (const auto& [id, l] : leases_) {
    if (l.expires <= now) ended.push_back(id);
  }
  if (!ended.empty()) end_leases_locked(ended);
}

void MemoryStore::end_leases_locked(const std::vector<int64_t>& ended) {
  std::set<std::string> keys;
  for (int64_t id : ended) {
    auto it = leases_.find(id);
    keys.insert(it->second.keys.begin(), it->second.keys.end());
    leases_.erase(it);
  }
  bool any = false;
  for (const auto& k : keys) any = any || data_.count(k);
  if (!any) return;
  ++revision_;
  for (const auto& k : keys) {
    if (data_.erase(k)) events_.push_back(Event{Event::Kind::del, k, "", revision_});
  }
  changed_.notify_all();
}

}  // namespace netmod::store
