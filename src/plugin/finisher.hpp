// What a call leaves for after it has answered, and who does it. The
// choice is the process's, made where it starts (main, the agent, a test):
//  - FinishNow applies the work at once on the caller's sockets, reading
//    every reply (a long-lived process; tests; the background process
//    below; commands such as reconcile that report what they did);
//  - FinishInBackground hands it to a process of its own for a short
//    plugin call whose runtime waits for it to exit: netmod started anew
//    (posix_spawn) with the work (handoff.hpp) and the call's sockets,
//    which applies it with FinishNow (the nf_tables socket's close then
//    waits for the kernel there, not in the call) and logs what failed to
//    syslog.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "dataplane/dataplane.hpp"
#include "store/store.hpp"

namespace netmod::plugin {

struct Leftover {
  dataplane::FollowUp kernel;
  // IPAM handles to release once kernel.delete_links are gone (a DEL's
  // parked addresses: none is handed out while its old veth exists), in
  // the store `datastore` names.
  std::vector<std::string> release_handles;
  config::DatastoreConfig datastore;

  bool empty() const { return kernel.empty() && release_handles.empty(); }
};

class Finisher {
 public:
  virtual ~Finisher() = default;
  // Sees that `work` gets done; `dp` is the dataplane it came from (its
  // sockets do it, or go with it: `dp` is then of no further use). An
  // error names every part that failed.
  virtual Result<void> finish(dataplane::Dataplane& dp, Leftover work) = 0;
  // Starts what finish() left for later, once the call's answer is out
  // (where the process ends; a no-op for a finisher that works at once).
  virtual void flush() {}
};

class FinishNow final : public Finisher {
 public:
  // `store`: where to release handles (else opened from the work's
  // datastore config).
  explicit FinishNow(store::Store* store = nullptr) : store_(store) {}
  Result<void> finish(dataplane::Dataplane& dp, Leftover work) override;

 private:
  store::Store* store_;
};

class FinishInBackground final : public Finisher {
 public:
  // Takes the work and the dataplane's sockets.
  Result<void> finish(dataplane::Dataplane& dp, Leftover work) override;
  // Starts the process that does all of it, and returns at once. Called
  // as the process ends, after its answer is written, with no datastore
  // connection open (the finishing process opens its own).
  void flush() override;

 private:
  struct Piece {
    dataplane::Dataplane::Sockets sockets;
    Leftover work;
  };
  std::vector<Piece> pieces_;
};

// What a call reaches outside itself, chosen where its process starts:
// the kernel (Linux, or a simulated one in tests), and who finishes the
// work it leaves for after its answer.
struct Machine {
  dataplane::Kernel& kernel;
  Finisher& finisher;
};

// The finishing process's work: netmod started with handoff::kArgument
// and the descriptor of the work (`fd_text`), from main. Applies it, holds
// an nf_tables socket a second longer, and returns the exit code (1 when
// anything failed; failures go to syslog).
int finish_handed_work(const char* fd_text);

}  // namespace netmod::plugin
