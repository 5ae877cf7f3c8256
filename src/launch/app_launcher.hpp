// `netmod run --app`: the tasks of an app or app group, placed over the
// live hosts and supervised until they end. The records of all of them
// are claimed in one transaction first (a second launch of the same app
// is refused, and nothing of it starts); then each task gets a supervisor
// process of its own (supervisor.hpp), which this process waits for and
// passes signals on to.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "launch/app.hpp"
#include "launch/supervisor.hpp"

namespace netmod::launch {

// The plans of every task of `apps`, placed: each with its preferred host
// first (placement.hpp). `hosts`: the live hosts (not empty).
std::vector<TaskPlan> plan_apps(const std::vector<AppSpec>& apps, const std::vector<std::string>& hosts,
                                const std::vector<records::TaskRecord>& existing);

// Runs the plans' tasks until all have ended; the exit code (0 when every
// task ended with 0 or was stopped). `open_store` gives this process and
// each supervisor process a connection of its own: the caller must have
// closed its own (no connection may live across fork; ctx.store is
// ignored).
Result<int> run_apps(std::vector<TaskPlan> plans, LaunchContext& ctx,
                     const std::function<Result<std::unique_ptr<store::Store>>()>& open_store);

}  // namespace netmod::launch
