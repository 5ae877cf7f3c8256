// Garbage collection of what the launcher files (records/tasks.hpp; gc.hpp
// decides what is garbage): reading the task records, names and port
// claims, and removing a dead launcher's task or an orphan — each checked
// again inside the transaction that removes it, so a launcher that filed
// or changed something meanwhile keeps it.
#pragma once

#include "agent/gc.hpp"
#include "store/store.hpp"

namespace netmod::agent {

// Fills in.tasks, in.task_ids, in.names and in.port_claims from `tx` (not
// tasks_launcher_dead: that asks the machine, outside the transaction).
// Records, names and claims that cannot be read are skipped.
Result<void> read_task_records(store::Tx& tx, GcInput& in);

// Collects a task_dead, name_orphan or port_claim_orphan candidate. What
// was done, for the log; empty when nothing was (its launcher turned out
// alive, its task record came back, another agent was first).
Result<std::string> collect_task_garbage(store::Store& store, const Processes& processes, const GcCandidate& c);

}  // namespace netmod::agent
