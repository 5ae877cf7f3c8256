// EtcdStore::watch(): one /v3/watch stream per call (etcd_store.hpp says
// why history needs a catch-up wait and two checking reads).
#include <algorithm>
#include <set>

#include "store/etcd/codec.hpp"
#include "store/etcd/etcd_store.hpp"

namespace netmod::store {

Result<WatchResult> EtcdStore::watch(std::string_view prefix, int64_t from_revision, std::chrono::milliseconds wait) {
  if (from_revision < 1) from_revision = 1;
  NETMOD_ASSIGN_OR_RETURN(std::string key, to_etcd(prefix));
  const std::string body = etcd::encode_watch(key, prefix_end(key), from_revision);

  int64_t current = 0;  // the store's revision when the watch was made
  bool canceled = false;
  int64_t compact_revision = 0;
  std::string cancel_reason;
  std::optional<Error> failure;
  std::vector<Event> events;
  auto on_line = [&](std::string_view line) -> bool {
    auto m = etcd::decode_watch_message(line);
    if (!m) {
      failure = std::move(m).error();
      return false;
    }
    if (m->created) {
      current = m->revision;
      // Nothing to catch up and nothing to wait for: done.
      return !(from_revision > current && wait.count() == 0);
    }
    if (m->canceled) {
      canceled = true;
      compact_revision = m->compact_revision;
      cancel_reason = m->cancel_reason;
      return false;
    }
    for (auto& e : m->events) {
      e.key = to_logical(e.key);
      events.push_back(std::move(e));
    }
    return events.empty();
  };
  std::string error_body;
  ++requests_;
  NETMOD_ASSIGN_OR_RETURN(long status, http_->stream("/v3/watch", body, std::max(wait, kCatchUp), on_line, &error_body));
  if (status != 200) {
    return make_error(Errc::unavailable, "datastore " + describe() + ": watch: HTTP " + std::to_string(status) + ": " +
                                             etcd::decode_error(error_body).message);
  }
  if (failure) return std::move(*failure).with_context("datastore " + describe());

  WatchResult out;
  out.next_revision = from_revision;
  if (canceled) {
    if (compact_revision > 0) {
      out.compacted = true;
      return out;
    }
    return make_error(Errc::unavailable, "datastore " + describe() + ": etcd cancelled the watch: " + cancel_reason);
  }
  if (!events.empty()) {
    // etcd gives a revision's events in the order of its txn's ops; the
    // contract orders them by key within a revision.
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
      return a.revision != b.revision ? a.revision < b.revision : a.key < b.key;
    });
    out.next_revision = events.back().revision + 1;
    out.events = std::move(events);
    return out;
  }
  if (current == 0 || from_revision > current) return out;

  // Started in the past and heard nothing: either nothing under the
  // prefix changed in [from, current], or etcd has not caught up yet. Two
  // reads tell: a key written since `from`, or one that was there before
  // `from` and is gone now, means history is pending (stay at `from`).
  auto now = range(prefix, true, current);
  if (!now) return std::move(now).error();
  std::set<std::string> keys_now;
  for (const auto& kv : now->kvs) {
    if (kv.revision >= from_revision) return out;
    keys_now.insert(kv.key);
  }
  if (from_revision > 1) {
    auto before = range(prefix, true, from_revision - 1);
    if (!before) {
      if (before.error().code == Errc::conflict) {  // compacted away
        out.compacted = true;
        return out;
      }
      return std::move(before).error();
    }
    for (const auto& kv : before->kvs) {
      if (!keys_now.count(kv.key)) return out;
    }
  }
  out.next_revision = current + 1;
  return out;
}

}  // namespace netmod::store
