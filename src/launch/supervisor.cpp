#include "launch/supervisor.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "common/cleanup.hpp"
#include "dataplane/netns.hpp"
#include "ipam/ipam.hpp"
#include "launch/registry.hpp"
#include "launch/task_process.hpp"
#include "plugin/finisher.hpp"
#include "plugin/isolation.hpp"
#include "records/hosts.hpp"

extern char** environ;

namespace netmod::launch {

namespace fs = std::filesystem;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::vector<std::string> texts(const std::vector<net::IpAddress>& addrs) {
  std::vector<std::string> out;
  for (const auto& a : addrs) out.push_back(a.str());
  return out;
}

int64_t process_start(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  // Fields after the command: state is field 3; starttime is field 22.
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return std::stoll(field);
  }
  return 0;
}

std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

// Is tcp `port` free for a listener in the calling thread's namespace?
// Host networking shares the host with processes netmod never saw.
bool port_free_here(uint16_t port) {
  int s = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  bool v6 = s >= 0;
  if (!v6) s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return true;  // cannot tell: the store's claim decides
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    rc = bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    rc = bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  close(s);
  return rc == 0;
}

// What happened to a wait: a signal to pass on, the child ended, or time.
int wait_signal(const sigset_t& set, int timeout_ms) {
  timespec ts{timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
  int sig = sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

class Supervisor {
 public:
  Supervisor(TaskPlan plan, LaunchContext& ctx) : p_(std::move(plan)), ctx_(ctx), store_(*ctx.store) {}

  Result<int> run() {
    TaskRecord& rec = p_.record;
    stamp_launcher(rec);
    if (!p_.claimed) NETMOD_TRY(claim_tasks(store_, {rec}));
    Cleanup forget([this] { (void)remove_task(store_, p_.record.id); });
    NETMOD_TRY(update_task(store_, rec));
    NETMOD_ASSIGN_OR_RETURN(std::optional<std::string> host, choose_host());
    if (!host) {
      forget.cancel();
      (void)remove_task(store_, rec.id);
      return ended_by_;
    }
    rec.host = *host;
    NETMOD_ASSIGN_OR_RETURN(std::string netns, host_netns_path(ctx_, rec.host));
    Result<int> code = make_error(Errc::internal, "not run");
    auto body = [&]() -> Result<void> {
      code = run_on_host();
      return ok();
    };
    if (netns.empty()) {
      NETMOD_TRY(body());
    } else {
      NETMOD_ASSIGN_OR_RETURN(auto ns, dataplane::Netns::open(netns));
      NETMOD_TRY(dataplane::with_netns(ns, body));
    }
    // A task that could not be started leaves no record (it may have been
    // filed running, with its names, before its command failed to exec);
    // one that ran removed its own.
    if (code) forget.cancel();
    return code;
  }

 private:
  // A host for the task: the first in order that has its host ports free
  // (claimed in the store). nullopt when the task ended while waiting
  // (ended_by_ says how).
  Result<std::optional<std::string>> choose_host() {
    TaskRecord& rec = p_.record;
    if (p_.hosts.empty()) return make_error(Errc::invalid_argument, "no host to run the task on");
    if (!rec.host_network || rec.ports.empty()) {
      NETMOD_ASSIGN_OR_RETURN(auto taken, claim_ports(store_, rec.id, p_.hosts.front(), {}));
      (void)taken;
      return std::optional<std::string>(p_.hosts.front());
    }
    bool said = false;
    while (true) {
      std::vector<std::string> why;
      for (const auto& h : p_.hosts) {
        NETMOD_ASSIGN_OR_RETURN(auto taken, claim_ports(store_, rec.id, h, rec.ports));
        if (!taken) {
          NETMOD_ASSIGN_OR_RETURN(auto busy, port_busy_outside(h));
          if (!busy) return std::optional<std::string>(h);
          taken = busy;
          NETMOD_TRY(claim_ports(store_, rec.id, h, {}));
        }
        why.push_back(h + ": " + *taken);
      }
      std::string ports;
      for (uint16_t port : rec.ports) ports += (ports.empty() ? "" : ", ") + std::to_string(port);
      const std::string msg = "host port " + ports + " is taken on every host (" + join(why, "; ") + ")";
      if (!p_.wait_for_ports) return make_error(Errc::conflict, msg);
      if (!said) {
        say(label() + ": waiting: " + msg);
        said = true;
      }
      int sig = wait_signal(ctx_.signals, 1000);
      if (sig && sig != SIGCHLD) {
        ended_by_ = 128 + sig;
        return std::optional<std::string>{};
      }
      NETMOD_ASSIGN_OR_RETURN(auto now, get_task(store_, rec.id));
      if (!now || now->stop_requested) {
        ended_by_ = 0;
        return std::optional<std::string>{};
      }
    }
  }

  // "9000 (a process outside netmod)" when a port is bound on `h` by
  // something netmod did not start.
  Result<std::optional<std::string>> port_busy_outside(const std::string& h) {
    NETMOD_ASSIGN_OR_RETURN(std::string netns, host_netns_path(ctx_, h));
    std::optional<std::string> busy;
    auto check = [&]() -> Result<void> {
      for (uint16_t port : p_.record.ports) {
        if (!port_free_here(port)) {
          busy = std::to_string(port) + " (a process outside netmod)";
          break;
        }
      }
      return ok();
    };
    if (netns.empty()) {
      NETMOD_TRY(check());
    } else {
      NETMOD_ASSIGN_OR_RETURN(auto ns, dataplane::Netns::open(netns));
      NETMOD_TRY(dataplane::with_netns(ns, check));
    }
    return busy;
  }

  std::string label() const {
    return p_.record.app.empty() ? "task " + p_.record.id : p_.record.app + " (" + p_.record.id + ")";
  }
  void say(const std::string& line) const {
    if (ctx_.log) *ctx_.log << "netmod: " << line << std::endl;
  }

  // Everything from the addresses to the task's end, in the host's
  // network namespace.
  Result<int> run_on_host() {
    TaskRecord& rec = p_.record;
    ipam::Ipam ipam(store_, config::ipam_options(ctx_.config));
    const bool own_ip = !rec.host_network;
    Cleanup release;
    if (own_ip) {
      ipam::Attributes attrs{rec.netgroups, rec.labels};
      Result<ipam::Assigned> got = p_.static_addresses.empty()
                                       ? ipam.allocate({rec.id, rec.host, p_.num_v4, p_.num_v6, attrs, {}})
                                       : ipam.reserve({rec.id, rec.host, p_.static_addresses, attrs});
      if (!got) return std::move(got).error().with_context("addresses for " + label());
      rec.addresses = got->v4;
      rec.addresses.insert(rec.addresses.end(), got->v6.begin(), got->v6.end());
      release = Cleanup([&] { (void)ipam.release_handle(rec.id); });
    } else {
      NETMOD_ASSIGN_OR_RETURN(auto fabric, store_.get(records::keys::fabric(rec.host)));
      if (fabric) {
        auto f = records::decode_fabric(rec.host, fabric->value);
        if (f) rec.addresses = f->addresses;
      }
    }
    NETMOD_ASSIGN_OR_RETURN(std::string sandbox, make_sandbox());
    Cleanup remove_sandbox([sandbox] {
      std::error_code ec;
      fs::remove_all(sandbox, ec);
    });
    NETMOD_ASSIGN_OR_RETURN(std::string resolv, write_resolv_conf(sandbox));
    ProcessSpec spec;
    spec.argv = p_.argv;
    spec.env = environment();
    spec.cwd = p_.run_in_sandbox ? sandbox : "";
    spec.own_netns = own_ip;
    spec.resolv_conf = resolv;
    rec.state = TaskState::starting;
    NETMOD_TRY(update_task(store_, rec));
    NETMOD_ASSIGN_OR_RETURN(TaskProcess proc, TaskProcess::start(spec));
    Cleanup kill_task([&] { proc.abort(); });
    plugin::FinishNow finisher(&store_);
    plugin::Machine machine{*ctx_.kernel, finisher};
    Cleanup unwire;
    if (own_ip) {
      NETMOD_ASSIGN_OR_RETURN(auto ns, dataplane::Netns::of_pid(proc.pid()));
      plugin::IsolateParams ip;
      ip.host = rec.host;
      ip.container_id = rec.id;
      ip.netns_path = "/proc/" + std::to_string(proc.pid()) + "/ns/net";
      ip.addresses = rec.addresses;
      ip.attrs = {rec.netgroups, rec.labels};
      ip.mtu = ctx_.config.mtu;
      auto isolated = plugin::isolate(store_, ipam, ip, std::move(ns), machine);
      if (!isolated) return std::move(isolated).error().with_context("isolating " + label());
      unwire = Cleanup([&] {
        auto done = plugin::cleanup(store_, rec.id, machine);
        if (done) return;
        // Its endpoint record stays, naming its addresses: released now,
        // they would be handed to the next task while that record still
        // holds them ("address ... belongs to container ..."). The agent
        // collects both once the task's namespace is gone (agent/gc.hpp).
        release.cancel();
        say(label() + ": cleaning up its endpoint: " + done.error().message + " (the agent of " + rec.host +
            " collects it)");
      });
    }
    rec.state = TaskState::running;
    NETMOD_TRY(update_task(store_, rec, records::mesos_dns_names(rec.app)));
    if (auto started = proc.go(); !started) {
      return make_error(Errc::invalid_argument, "cannot run " + p_.argv.front() + ": " + started.error().message);
    }
    say(label() + ": running on " + rec.host + ": " + (rec.addresses.empty() ? "no address" : join(texts(rec.addresses), ", ")) +
        (rec.host_network ? " (host network)" : "") + (rec.netgroups.empty() ? "" : " netgroups " + join(rec.netgroups, ",")));
    kill_task.cancel();
    int code = wait_for_end(proc);
    // Names first: nothing resolves to a task that is going.
    auto forgot = remove_task(store_, rec.id);
    if (!forgot) say(label() + ": " + forgot.error().message);
    unwire = Cleanup();
    // cleanup ran on assignment; the addresses go back last.
    release = Cleanup();
    say(label() + ": ended (exit code " + std::to_string(code) + ")");
    return code;
  }

  int wait_for_end(TaskProcess& proc) {
    auto next_check = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    std::optional<std::chrono::steady_clock::time_point> kill_at;
    while (true) {
      if (auto code = proc.poll()) return *code;
      int sig = wait_signal(ctx_.signals, 250);
      if (sig && sig != SIGCHLD) proc.signal(sig);
      auto now = std::chrono::steady_clock::now();
      if (kill_at && now >= *kill_at) proc.signal(SIGKILL);
      if (!kill_at && now >= next_check) {
        next_check = now + std::chrono::seconds(1);
        auto rec = get_task(store_, p_.record.id);
        // Stopped through the store (netmod stop, from any machine); only
        // a definite "gone" counts as a stop, not a store error.
        if (rec && (!*rec || (*rec)->stop_requested)) {
          proc.signal(SIGTERM);
          kill_at = now + std::chrono::seconds(5);
        }
      }
    }
  }

  Result<std::string> make_sandbox() {
    const std::string dir = ctx_.run_dir + "/" + p_.record.id;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return make_error(Errc::io, "creating the task's sandbox " + dir + ": " + ec.message());
    for (const auto& uri : p_.uris) {
      fs::copy_file(uri, dir + "/" + fs::path(uri).filename().string(), fs::copy_options::overwrite_existing, ec);
      if (ec) return make_error(Errc::invalid_argument, "fetching " + uri + " into the sandbox: " + ec.message());
    }
    return dir;
  }

  // The agent of the task's host answers its names (agent.dns_address
  // defaults to the host's fabric addresses); "" when the host has no live
  // agent: the task keeps the machine's resolver.
  Result<std::string> write_resolv_conf(const std::string& sandbox) {
    NETMOD_ASSIGN_OR_RETURN(auto kv, store_.get(records::keys::agent(p_.record.host)));
    if (!kv) return std::string();
    auto agent = records::decode_agent(kv->value);
    if (!agent || agent->fabric.empty()) return std::string();
    const std::string path = sandbox + "/resolv.conf";
    std::ofstream out(path);
    out << "# netmod run: task " << p_.record.id << " resolves through the agent of " << p_.record.host << "\n";
    for (const auto& a : agent->fabric) {
      if (a.family() == net::Family::v4) out << "nameserver " << a.str() << "\n";
    }
    for (const auto& a : agent->fabric) {
      if (a.family() == net::Family::v6) out << "nameserver " << a.str() << "\n";
    }
    out << "options timeout:1 attempts:2\n";
    out.close();
    if (!out) return make_error(Errc::io, "writing " + path);
    return path;
  }

  std::vector<std::string> environment() const {
    const TaskRecord& rec = p_.record;
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
      std::string kv = *e;
      auto eq = kv.find('=');
      if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : p_.env) env[k] = v;
    env["NETMOD_TASK_ID"] = rec.id;
    env["NETMOD_TASK_NAME"] = rec.name;
    env["NETMOD_APP_ID"] = rec.app;
    env["NETMOD_HOST"] = rec.host;
    env["NETMOD_TASK_ADDRESSES"] = join(texts(rec.addresses), ",");
    env["NETMOD_NETGROUPS"] = join(rec.netgroups, ",");
    env["HOST"] = rec.host;  // as Mesos sets it
    std::string ports;
    for (size_t i = 0; i < p_.task_ports.size(); ++i) {
      env["PORT" + std::to_string(i)] = std::to_string(p_.task_ports[i]);
      ports += (i ? "," : "") + std::to_string(p_.task_ports[i]);
    }
    if (!p_.task_ports.empty()) {
      env["PORT"] = std::to_string(p_.task_ports[0]);
      env["PORTS"] = ports;
    }
    std::vector<std::string> out;
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
  }

  TaskPlan p_;
  LaunchContext& ctx_;
  store::Store& store_;
  int ended_by_ = 0;
};

}  // namespace

void stamp_launcher(records::TaskRecord& rec) {
  rec.pid = getpid();
  rec.pid_start = process_start(getpid());
  rec.boot_id = boot_id();
  rec.started_ms = now_ms();
}

sigset_t launcher_signals() {
  sigset_t s;
  sigemptyset(&s);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD}) sigaddset(&s, sig);
  return s;
}

Result<std::string> host_netns_path(const LaunchContext& ctx, const std::string& host) {
  const std::string path = ctx.netns_dir + "/" + host;
  struct stat st {};
  if (host.find('/') == std::string::npos && stat(path.c_str(), &st) == 0) return path;
  if (host == ctx.this_host) return std::string();
  return make_error(Errc::not_found, "host " + host + " is neither this machine (" + ctx.this_host +
                                         ") nor a simulated host (no network namespace " + path + ")");
}

Result<int> supervise(TaskPlan plan, LaunchContext& ctx) { return Supervisor(std::move(plan), ctx).run(); }

}  // namespace netmod::launch
