#include "agent/registration.hpp"

#include <time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace netmod::agent {

namespace {

std::string boot_id() {
  std::ifstream f("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(f, id);
  return id;
}

// Field 22 of /proc/<pid>/stat, after the command name (which may hold
// spaces and parentheses: read from the last ')').
int64_t start_time(int64_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return std::stoll(field);
  }
  return 0;
}

int64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

bool holder_alive_on_this_machine(const records::AgentRecord& r) {
  if (r.boot_id != boot_id()) return true;  // another machine: only its lease tells
  return r.pid > 0 && start_time(r.pid) == r.pid_start;
}

records::AgentRecord this_process(const std::string& host, const std::vector<net::IpAddress>& fabric) {
  records::AgentRecord r;
  r.host = host;
  r.pid = getpid();
  r.pid_start = start_time(r.pid);
  r.boot_id = boot_id();
  r.started_ms = now_ms();
  r.fabric = fabric;
  return r;
}

Result<Registration> Registration::acquire(store::Store& store, records::AgentRecord me, std::chrono::seconds ttl,
                                           HolderAlive alive) {
  Registration r(store, std::move(me), ttl, std::move(alive));
  NETMOD_TRY(r.register_once());
  return r;
}

Result<void> Registration::register_once() {
  const std::string key = records::keys::agent(me_.host);
  for (int attempt = 0; attempt < 8; ++attempt) {
    NETMOD_ASSIGN_OR_RETURN(auto held, store_->get(key));
    if (held) {
      auto holder = records::decode_agent(held->value);
      if (holder && holder->pid == me_.pid && holder->pid_start == me_.pid_start && holder->boot_id == me_.boot_id) {
        // Our own record from a lease that is still ending: replace it.
      } else if (holder && alive_(*holder)) {
        return make_error(Errc::conflict, "host " + me_.host + " is held by a live agent (pid " +
                                              std::to_string(holder->pid) + ", started " +
                                              std::to_string((now_ms() - holder->started_ms) / 1000) +
                                              " s ago); stop it first, or give this host another name");
      }
      // A dead holder (or a record that is not an agent's): take over,
      // if nobody else did meanwhile.
      store::Txn take;
      take.compares.push_back({key, held->revision});
      take.ops.push_back({store::Op::Kind::del, key, ""});
      NETMOD_ASSIGN_OR_RETURN(bool taken, store_->commit(take));
      if (!taken) continue;
    }
    NETMOD_ASSIGN_OR_RETURN(int64_t lease, store_->grant_lease(ttl_));
    records::FabricRecord fabric{me_.host, me_.fabric, now_ms()};
    store::Txn reg;
    reg.compares.push_back({key, 0});
    reg.ops.push_back({store::Op::Kind::put, key, records::encode_agent(me_), lease});
    reg.ops.push_back({store::Op::Kind::put, records::keys::fabric(me_.host), records::encode_fabric(fabric)});
    auto done = store_->commit(reg);
    if (!done || !*done) (void)store_->revoke_lease(lease);
    NETMOD_TRY(done);
    if (*done) {
      lease_ = lease;
      return ok();
    }
  }
  return make_error(Errc::conflict, "host " + me_.host + ": another agent keeps registering it");
}

Result<void> Registration::renew() {
  auto r = store_->keep_alive(lease_);
  if (r) {
    ++renewals_;
    return ok();
  }
  if (r.error().code != Errc::not_found) return std::move(r).error();
  return register_once();  // the lease ended: register again (or conflict)
}

Result<void> Registration::release() {
  if (lease_ == 0) return ok();
  NETMOD_TRY(store_->revoke_lease(lease_));
  lease_ = 0;
  return ok();
}

}  // namespace netmod::agent
