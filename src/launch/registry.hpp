// The launcher's records in the store (records/tasks.hpp): claiming task
// ids and host ports, marking a task running with its names, removing it
// with everything filed for it. Each function is one store transaction, so
// two launchers racing for one app id or one host port cannot both win.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "records/tasks.hpp"
#include "store/store.hpp"

namespace netmod::launch {

using records::TaskRecord;
using records::TaskState;

// Files `tasks` (state waiting), all or none. Refused, naming the app, when
// a task of one of their apps already exists or an id is taken.
Result<void> claim_tasks(store::Store& store, const std::vector<TaskRecord>& tasks);

// Claims `ports` (tcp) on `host` for task `id` and files the host in its
// record, all or none. nullopt on success; else which port is held by which
// task ("9000 (star-before.probe-a.0)").
Result<std::optional<std::string>> claim_ports(store::Store& store, const std::string& id, const std::string& host,
                                               const std::vector<uint16_t>& ports);

// Rewrites the record (state, host, addresses, pid...) as given; with state
// running also files its names (`names`, relative to the DNS domain).
Result<void> update_task(store::Store& store, const TaskRecord& rec, const std::vector<std::string>& names = {});

// Removes the record, its names and its port claims. Nothing there is not
// an error.
Result<void> remove_task(store::Store& store, const std::string& id);

// The record: nullopt when there is none (gone), an error when unreadable.
Result<std::optional<TaskRecord>> get_task(store::Store& store, const std::string& id);

// Every task record; ones that cannot be decoded are skipped and counted.
struct TaskList {
  std::vector<TaskRecord> tasks;
  size_t undecodable = 0;
};
Result<TaskList> list_tasks(store::Store& store);

// Marks every task of app (or group) `app`, or the task with id `app`, as
// asked to stop. The marked records, as they were.
Result<std::vector<TaskRecord>> request_stop(store::Store& store, const std::string& app);

// The hosts a live agent holds (records/hosts.hpp), sorted.
Result<std::vector<std::string>> live_hosts(store::Store& store);

}  // namespace netmod::launch
