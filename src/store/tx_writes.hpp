// The writes a read-modify-write view has buffered, and how its reads see
// them (store.hpp: "reads observe the transaction's own earlier writes").
// Shared by the generic optimistic view (optimistic_update.cpp) and
// etcd's one-revision view (etcd/etcd_store.cpp). Internal to the store.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

namespace netmod::store {

class TxWrites {
 public:
  void put(std::string_view key, std::string_view value) { writes_[std::string(key)] = std::string(value); }
  void del(std::string_view key) { writes_[std::string(key)] = std::nullopt; }

  // What a get of `key` sees when the view wrote it (nullopt inside:
  // deleted); nullopt when it did not.
  std::optional<std::optional<KeyValue>> get(std::string_view key) const {
    auto w = writes_.find(std::string(key));
    if (w == writes_.end()) return std::nullopt;
    if (!w->second) return std::optional<KeyValue>();
    return std::optional<KeyValue>(KeyValue{w->first, *w->second, 0});
  }

  // A listing of `prefix` from the store with the view's writes under it
  // applied, in key order.
  std::vector<KeyValue> over(std::vector<KeyValue> listed, std::string_view prefix) const {
    std::map<std::string, KeyValue> merged;
    for (auto& kv : listed) merged.emplace(kv.key, std::move(kv));
    for (const auto& [k, v] : writes_) {
      if (k.compare(0, prefix.size(), prefix) != 0) continue;
      if (v) {
        merged[k] = KeyValue{k, *v, 0};
      } else {
        merged.erase(k);
      }
    }
    std::vector<KeyValue> out;
    out.reserve(merged.size());
    for (auto& [k, kv] : merged) out.push_back(std::move(kv));
    return out;
  }

  bool empty() const { return writes_.empty(); }
  // Each key written, with its value (nullopt: deleted), in key order.
  const std::map<std::string, std::optional<std::string>>& all() const { return writes_; }

 private:
  std::map<std::string, std::optional<std::string>> writes_;
};

}  // namespace netmod::store
