// A simulated kernel for unit tests: namespaces with links (veth pairs),
// addresses, routes, policy rules, neighbour and proxy entries, answering
// rtnetlink requests and dumps as Linux does; netmod's two nftables tables
// with their sets, maps, chains (rule counts, hooks) and elements,
// answering nf_tables requests (batches all or nothing) and the nft syntax
// ruleset.hpp writes. Above the Kernel interface everything runs as with
// Linux, so ADD, DEL, CHECK, isolate, cleanup and reconcile are unit-tested
// without root. It models what netmod relies on, not all of Linux.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dataplane/fake_netlink.hpp"
#include "dataplane/kernel.hpp"
#include "dataplane/kernel_state.hpp"

namespace netmod::dataplane {

class FakeKernel final : public Kernel {
 public:
  struct Link {
    int index = 0;
    std::string name;
    uint32_t group = 0;
    bool up = false;
    rtnl::Mac mac{};
    uint32_t mtu = 1500;
    int peer = 0;             // the other end's index
    uint64_t peer_ns = 0;     // and its namespace
  };
  struct Ns {
    std::map<int, Link> links;
    std::vector<state::Address> addresses;
    std::vector<NlMessage> routes, rules, neighbours, proxies;  // as the kernel would dump them
  };
  struct Element {
    std::string goto_chain;
    std::optional<uint32_t> ifindex;
    bool interval_end = false;
    bool operator==(const Element&) const = default;
  };
  struct Set {
    bool map = false;
    std::map<std::string, Element> elements;  // by key bytes
  };
  struct Chain {
    size_t rules = 0;
    std::vector<std::string> devices;
    std::vector<std::string> gotos;  // chains its rules go to
  };
  struct Table {
    bool present = false;
    std::map<std::string, Set> sets;
    std::map<std::string, Chain> chains;
  };

  static constexpr uint64_t kHostNs = 1;

  FakeKernel();
  ~FakeKernel() override;

  // A task namespace whose file is at `path`; its id (its "inode").
  uint64_t add_netns(const std::string& path);
  // The path no longer names it (the task is gone).
  void forget_netns(const std::string& path);

  Result<NetlinkSocket> open_socket(int protocol) override;
  Result<NetlinkSocket> socket_in(const Netns& ns) override;
  Result<Netns> open_netns(const std::string& path) override;
  Result<Netns> current_netns() override;
  Result<void> set_sysctl(const std::string& name, const std::string& value) override;
  Result<void> run_nft(const std::string& commands) override;

  // The state, for tests to look at and to damage.
  std::map<uint64_t, Ns> ns;
  Table inet, netdev;  // netmod's tables ("inet netmod", "netdev netmod")
  std::map<std::string, std::string> sysctls;
  // Requests of these types fail with this errno (fault injection), by
  // netlink message type (nf_tables: NFNL_SUBSYS_NFTABLES << 8 | type).
  std::map<uint16_t, int> fail;
  // A failing nft syntax transaction (fault injection): any command
  // containing this text.
  std::string fail_nft;

  const Link* link(uint64_t in, const std::string& name) const;
  std::vector<state::Route> routes(uint64_t in) const;
  std::vector<state::Neighbour> neighbours(uint64_t in, bool proxies = false) const;
  Table& table(bool fast) { return fast ? netdev : inet; }

 private:
  FakeNetlink::Answer handle(uint64_t in, int protocol, const nlmsghdr* h);
  FakeNetlink::Answer rtnetlink(Ns& n, uint64_t in, const nlmsghdr* h);
  FakeNetlink::Answer nftables(const nlmsghdr* h);
  void delete_link(uint64_t in, int index);

  int next_index_ = 10;
  std::map<std::string, uint64_t> paths_;
  std::map<int, uint64_t> fds_;  // namespace files handed out: fd -> namespace
  uint64_t next_ns_ = 2;
  // A batch in progress: the tables as they were before it, and whether a
  // message of it failed.
  std::optional<std::pair<Table, Table>> batch_start_;
  bool batch_failed_ = false;
};

}  // namespace netmod::dataplane
