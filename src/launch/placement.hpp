// Where tasks go: spread over the live hosts. Pure functions over what the
// store holds, so the choice is testable without a cluster.
#pragma once

#include <string>
#include <vector>

#include "records/tasks.hpp"

namespace netmod::launch {

// The group of an app: its parent path ("/star-iso" for
// "/star-iso/probe-a"; "/" for a top-level app).
std::string app_group(const std::string& app);

// The preferred host of each new task, in order (`apps`: each new task's
// app): the host with the fewest tasks of the same group, then the fewest
// tasks, then the first by name; each choice counts for the next.
// `hosts` must not be empty.
std::vector<std::string> spread(const std::vector<std::string>& hosts, const std::vector<records::TaskRecord>& existing,
                                const std::vector<std::string>& apps);

// The order a task tries hosts in: its preferred host, then the others in
// order after it (wrapping), so that tasks preferring different hosts fall
// back to different ones.
std::vector<std::string> try_order(const std::vector<std::string>& hosts, const std::string& preferred);

}  // namespace netmod::launch
