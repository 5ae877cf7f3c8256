#include "store/memory_store.hpp"

namespace netmod::store {

Result<std::optional<KeyValue>> MemoryStore::get(std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = data_.find(key);
  if (it == data_.end()) return std::optional<KeyValue>();
  return std::optional<KeyValue>(it->second);
}

Result<std::vector<KeyValue>> MemoryStore::list(std::string_view prefix) {
  std::lock_guard lock(mu_);
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
  for (const Compare& c : txn.compares) {
    auto it = data_.find(c.key);
    int64_t current = it == data_.end() ? 0 : it->second.revision;
    if (current != c.revision) return false;
  }
  if (txn.ops.empty()) return true;
  ++revision_;
  for (const Op& op : txn.ops) {
    if (op.kind == Op::Kind::put) {
      data_[op.key] = KeyValue{op.key, op.value, revision_};
    } else {
      data_.erase(op.key);
    }
  }
  return true;
}

}  // namespace netmod::store
