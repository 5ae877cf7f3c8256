#include "dataplane/fake_kernel.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <algorithm>
#include <cstring>
#include <sstream>

#include "dataplane/nft_netlink.hpp"
#include "dataplane/nl_attrs.hpp"
#include "dataplane/nft_state.hpp"

namespace netmod::dataplane {

namespace {

using Answer = FakeNetlink::Answer;
using namespace nlattr_read;


Answer err(int e) { return Answer{e, {}}; }

// A copy of a request as the kernel would dump the object it made.
NlMessage as_object(const nlmsghdr* h, uint16_t type) {
  auto m = *NlMessage::from_bytes({reinterpret_cast<const char*>(h), h->nlmsg_len}, "object");
  m.header()->nlmsg_type = type;
  m.header()->nlmsg_flags = 0;
  return m;
}

bool is_dump(const nlmsghdr* h) { return (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP; }

uint8_t family_of(const nlmsghdr* h) { return *static_cast<const uint8_t*>(mnl_nlmsg_get_payload(h)); }

NlMessage nf_message(uint8_t type, bool fast) {
  NlMessage m(static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | type), 0, "reply");
  auto* g = m.put_family_header<nfgenmsg>();
  g->nfgen_family = fast ? NFPROTO_NETDEV : NFPROTO_INET;
  g->version = NFNETLINK_V0;
  return m;
}

// Keys as byte strings (std::string: GCC 12 at -O3 warns, falsely, of an
// overread when ordering vectors of bytes).
std::string bytes(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

std::string key_of(const std::optional<std::string>& ifname, const std::optional<net::IpAddress>& addr) {
  ruleset::Element e;
  e.ifname = ifname;
  e.addr = addr;
  return bytes(nftnl::element_key(e));
}

}  // namespace

namespace {

// Every namespace has its loopback, down until someone sets it up.
FakeKernel::Ns fresh() {
  FakeKernel::Ns n;
  n.links[1] = {1, "lo", 0, false, {}, 65536, 0, 0};
  return n;
}

}  // namespace

FakeKernel::FakeKernel() { ns[kHostNs] = fresh(); }
FakeKernel::~FakeKernel() = default;

uint64_t FakeKernel::add_netns(const std::string& path) {
  uint64_t id = next_ns_++;
  ns[id] = fresh();
  paths_[path] = id;
  return id;
}

void FakeKernel::forget_netns(const std::string& path) { paths_.erase(path); }

Result<NetlinkSocket> FakeKernel::socket_in(const Netns& n) {
  auto st = std::make_shared<FakeNetlink::State>();
  const uint64_t in = n.inode();
  st->script = [this, in](const nlmsghdr* h) { return handle(in, NETLINK_ROUTE, h); };
  return FakeNetlink::socket(st, NETLINK_ROUTE);
}

Result<NetlinkSocket> FakeKernel::open_socket(int protocol) {
  auto st = std::make_shared<FakeNetlink::State>();
  st->script = [this, protocol](const nlmsghdr* h) { return handle(kHostNs, protocol, h); };
  st->on_batch = [this](bool begin) {
    if (begin) {
      batch_start_.emplace(inet, netdev);
      batch_failed_ = false;
      return;
    }
    if (batch_failed_ && batch_start_) std::tie(inet, netdev) = *batch_start_;
    batch_start_.reset();
  };
  return FakeNetlink::socket(st, protocol);
}

Result<Netns> FakeKernel::open_netns(const std::string& path) {
  auto it = paths_.find(path);
  if (it == paths_.end()) return make_error(Errc::not_found, "network namespace " + path + " does not exist");
  UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return sys_error("opening /dev/null");
  fds_[fd.get()] = it->second;
  return Netns::known(std::move(fd), 0, static_cast<ino_t>(it->second), path);
}

Result<Netns> FakeKernel::current_netns() {
  UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return sys_error("opening /dev/null");
  return Netns::known(std::move(fd), 0, static_cast<ino_t>(kHostNs), "/proc/thread-self/ns/net");
}

Result<void> FakeKernel::set_sysctl(const std::string& name, const std::string& value) {
  sysctls[name] = value;
  return ok();
}

const FakeKernel::Link* FakeKernel::link(uint64_t in, const std::string& name) const {
  auto n = ns.find(in);
  if (n == ns.end()) return nullptr;
  for (const auto& [i, l] : n->second.links) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

std::vector<state::Route> FakeKernel::routes(uint64_t in) const {
  std::vector<state::Route> out;
  for (const auto& m : ns.at(in).routes) {
    if (auto r = state::parse_route(m.header())) out.push_back(*r);
  }
  return out;
}

std::vector<state::Neighbour> FakeKernel::neighbours(uint64_t in, bool proxies) const {
  std::vector<state::Neighbour> out;
  for (const auto& m : proxies ? ns.at(in).proxies : ns.at(in).neighbours) {
    if (auto r = state::parse_neighbour(m.header())) out.push_back(*r);
  }
  return out;
}

Answer FakeKernel::handle(uint64_t in, int protocol, const nlmsghdr* h) {
  Answer a;
  if (auto f = fail.find(h->nlmsg_type); f != fail.end()) {
    a = err(f->second);
  } else if (protocol == NETLINK_NETFILTER) {
    a = nftables(h);
  } else if (!ns.count(in)) {
    a = err(EINVAL);
  } else {
    a = rtnetlink(ns.at(in), in, h);
  }
  if (a.error && batch_start_) batch_failed_ = true;
  return a;
}

void FakeKernel::delete_link(uint64_t in, int index) {
  auto drop = [](Ns& n, int i) {
    n.links.erase(i);
    std::erase_if(n.addresses, [&](const state::Address& a) { return a.index == i; });
    std::erase_if(n.routes, [&](const NlMessage& m) {
      auto r = state::parse_route(m.header());
      return r && r->oif == i;
    });
    for (auto* list : {&n.neighbours, &n.proxies}) {
      std::erase_if(*list, [&](const NlMessage& m) {
        auto r = state::parse_neighbour(m.header());
        return r && r->index == i;
      });
    }
  };
  Ns& n = ns.at(in);
  auto it = n.links.find(index);
  if (it == n.links.end()) return;
  const Link l = it->second;
  drop(n, index);
  if (l.peer && ns.count(l.peer_ns)) drop(ns.at(l.peer_ns), l.peer);
}

Answer FakeKernel::rtnetlink(Ns& n, uint64_t in, const nlmsghdr* h) {
  switch (h->nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
    case RTM_GETLINK: {
      const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(h));
      Attrs a = attributes(h, sizeof(ifinfomsg));
      auto reply = [](const Link& l) {
        NlMessage m(RTM_NEWLINK, 0, "link");
        auto* r = m.put_family_header<ifinfomsg>();
        r->ifi_index = l.index;
        r->ifi_flags = l.up ? IFF_UP : 0;
        m.put_str(IFLA_IFNAME, l.name);
        m.put_u32(IFLA_GROUP, l.group);
        m.put_u32(IFLA_MTU, l.mtu);
        m.put(IFLA_ADDRESS, l.mac.data(), l.mac.size());
        if (l.peer) m.put_u32(IFLA_LINK, static_cast<uint32_t>(l.peer));
        return m;
      };
      if (h->nlmsg_type == RTM_GETLINK && is_dump(h)) {
        Answer out;
        for (const auto& [i, l] : n.links) out.replies.push_back(reply(l));
        return out;
      }
      Link* found = nullptr;
      for (auto& [i, l] : n.links) {
        if ((ifi->ifi_index && l.index == ifi->ifi_index) || (!ifi->ifi_index && l.name == str_of(a[IFLA_IFNAME]))) found = &l;
      }
      if (h->nlmsg_type == RTM_NEWLINK && a[IFLA_LINKINFO]) {
        if (found) return err(EEXIST);
        Attrs info = nested(a[IFLA_LINKINFO]);
        if (str_of(info[IFLA_INFO_KIND]) != "veth") return err(EOPNOTSUPP);
        Attrs data = nested(info[IFLA_INFO_DATA]);
        const nlattr* peer = data[VETH_INFO_PEER];
        if (!peer || mnl_attr_get_payload_len(peer) < sizeof(ifinfomsg)) return err(EINVAL);
        Attrs p;
        mnl_attr_parse_payload(static_cast<const char*>(mnl_attr_get_payload(peer)) + sizeof(ifinfomsg),
                               mnl_attr_get_payload_len(peer) - sizeof(ifinfomsg), collect, &p);
        uint64_t peer_ns = in;
        if (p[IFLA_NET_NS_FD]) {
          auto f = fds_.find(static_cast<int>(mnl_attr_get_u32(p[IFLA_NET_NS_FD])));
          if (f == fds_.end() || !ns.count(f->second)) return err(EBADF);
          peer_ns = f->second;
        }
        const std::string peer_name = str_of(p[IFLA_IFNAME]);
        if (link(peer_ns, peer_name)) return err(EEXIST);
        Link host, task;
        host.index = next_index_++;
        task.index = next_index_++;
        host.name = str_of(a[IFLA_IFNAME]);
        task.name = peer_name;
        host.group = a[IFLA_GROUP] ? mnl_attr_get_u32(a[IFLA_GROUP]) : 0;
        host.mtu = task.mtu = a[IFLA_MTU] ? mnl_attr_get_u32(a[IFLA_MTU]) : 1500;
        if (a[IFLA_ADDRESS]) std::memcpy(host.mac.data(), mnl_attr_get_payload(a[IFLA_ADDRESS]), 6);
        if (p[IFLA_ADDRESS]) std::memcpy(task.mac.data(), mnl_attr_get_payload(p[IFLA_ADDRESS]), 6);
        host.peer = task.index;
        host.peer_ns = peer_ns;
        task.peer = host.index;
        task.peer_ns = in;
        n.links[host.index] = host;
        ns.at(peer_ns).links[task.index] = task;
        return {};
      }
      if (!found) return err(ENODEV);
      if (h->nlmsg_type == RTM_GETLINK) {
        Answer out;
        out.replies.push_back(reply(*found));
        return out;
      }
      if (h->nlmsg_type == RTM_DELLINK) {
        delete_link(in, found->index);
        return {};
      }
      if (ifi->ifi_change & IFF_UP) found->up = (ifi->ifi_flags & IFF_UP) != 0;
      if (a[IFLA_GROUP]) found->group = mnl_attr_get_u32(a[IFLA_GROUP]);
      return {};
    }
    case RTM_NEWADDR: {
      const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(h));
      if (!n.links.count(static_cast<int>(ifa->ifa_index))) return err(ENODEV);
      auto parsed = state::parse_address(h);
      if (!parsed) return err(EINVAL);
      std::erase_if(n.addresses, [&](const state::Address& x) { return x.index == parsed->index && x.address == parsed->address; });
      n.addresses.push_back(*parsed);
      return {};
    }
    case RTM_GETADDR: {
      Answer out;
      for (const auto& x : n.addresses) out.replies.push_back(rtnl::add_address(x.index, x.address, true));
      for (auto& m : out.replies) m.header()->nlmsg_type = RTM_NEWADDR;
      return out;
    }
    case RTM_NEWROUTE:
    case RTM_DELROUTE: {
      NlMessage obj = as_object(h, RTM_NEWROUTE);
      auto r = state::parse_route(obj.header());
      if (!r) return err(EINVAL);
      auto same = [&](const NlMessage& m, bool any_oif) {
        auto o = state::parse_route(m.header());
        return o && o->dst == r->dst && o->table == r->table && (any_oif || !r->oif || o->oif == r->oif);
      };
      if (h->nlmsg_type == RTM_DELROUTE) {
        auto it = std::find_if(n.routes.begin(), n.routes.end(), [&](const NlMessage& m) { return same(m, false); });
        if (it == n.routes.end()) return err(ESRCH);
        n.routes.erase(it);
        return {};
      }
      if (r->oif && !n.links.count(r->oif)) return err(ENODEV);
      std::erase_if(n.routes, [&](const NlMessage& m) { return same(m, true); });
      n.routes.push_back(std::move(obj));
      return {};
    }
    case RTM_NEWNEIGH:
    case RTM_DELNEIGH: {
      const auto* nd = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(h));
      auto& list = (nd->ndm_flags & NTF_PROXY) ? n.proxies : n.neighbours;
      NlMessage obj = as_object(h, RTM_NEWNEIGH);
      auto e = state::parse_neighbour(obj.header());
      if (!e) return err(EINVAL);
      if (!n.links.count(e->index)) return err(ENODEV);
      auto same = [&](const NlMessage& m) {
        auto o = state::parse_neighbour(m.header());
        return o && o->index == e->index && o->ip == e->ip;
      };
      if (h->nlmsg_type == RTM_DELNEIGH) {
        auto it = std::find_if(list.begin(), list.end(), same);
        if (it == list.end()) return err(ENOENT);
        list.erase(it);
        return {};
      }
      std::erase_if(list, same);
      list.push_back(std::move(obj));
      return {};
    }
    case RTM_GETNEIGH: {
      Answer out;
      const bool proxies = h->nlmsg_len >= NLMSG_SPACE(sizeof(ndmsg)) &&
                           (static_cast<const ndmsg*>(mnl_nlmsg_get_payload(h))->ndm_flags & NTF_PROXY);
      for (const auto& m : proxies ? n.proxies : n.neighbours) {
        if (family_of(m.header()) == family_of(h)) out.replies.push_back(m);
      }
      return out;
    }
    case RTM_GETROUTE:
    case RTM_GETRULE: {
      Answer out;
      for (const auto& m : h->nlmsg_type == RTM_GETROUTE ? n.routes : n.rules) {
        if (family_of(m.header()) == family_of(h)) out.replies.push_back(m);
      }
      return out;
    }
    case RTM_NEWRULE:
    case RTM_DELRULE: {
      NlMessage obj = as_object(h, RTM_NEWRULE);
      auto r = state::parse_rule(obj.header());
      if (!r) return err(EINVAL);
      auto same = [&](const NlMessage& m) {
        auto o = state::parse_rule(m.header());
        return o && o->src == r->src && o->table == r->table && o->priority == r->priority;
      };
      auto it = std::find_if(n.rules.begin(), n.rules.end(), same);
      if (h->nlmsg_type == RTM_DELRULE) {
        if (it == n.rules.end()) return err(ENOENT);
        n.rules.erase(it);
        return {};
      }
      if (it != n.rules.end()) return err(EEXIST);
      n.rules.push_back(std::move(obj));
      return {};
    }
    default:
      return err(EOPNOTSUPP);
  }
}

Answer FakeKernel::nftables(const nlmsghdr* h) {
  if ((h->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES) return err(EOPNOTSUPP);
  const uint8_t type = h->nlmsg_type & 0xff;
  const bool fast = family_of(h) == NFPROTO_NETDEV;
  Table& t = table(fast);
  Attrs a = attributes(h, sizeof(nfgenmsg));
  const bool dump = is_dump(h);
  switch (type) {
    case NFT_MSG_GETTABLE: {
      Answer out;
      if (t.present) {
        NlMessage m = nf_message(NFT_MSG_NEWTABLE, fast);
        m.put_str(NFTA_TABLE_NAME, "netmod");
        out.replies.push_back(std::move(m));
      }
      return out;
    }
    case NFT_MSG_GETSET: {
      if (!t.present) return err(ENOENT);
      auto reply = [&](const std::string& name) {
        NlMessage m = nf_message(NFT_MSG_NEWSET, fast);
        m.put_str(NFTA_SET_TABLE, "netmod");
        m.put_str(NFTA_SET_NAME, name);
        return m;
      };
      Answer out;
      if (dump) {
        for (const auto& [name, s] : t.sets) out.replies.push_back(reply(name));
        return out;
      }
      if (!t.sets.count(str_of(a[NFTA_SET_NAME]))) return err(ENOENT);
      out.replies.push_back(reply(str_of(a[NFTA_SET_NAME])));
      return out;
    }
    case NFT_MSG_GETCHAIN: {
      if (!t.present) return err(ENOENT);
      auto reply = [&](const std::string& name, const Chain& c) {
        NlMessage m = nf_message(NFT_MSG_NEWCHAIN, fast);
        m.put_str(NFTA_CHAIN_TABLE, "netmod");
        m.put_str(NFTA_CHAIN_NAME, name);
        if (!c.devices.empty()) {
          size_t hook = m.begin_nest(NFTA_CHAIN_HOOK);
          size_t devs = m.begin_nest(NFTA_HOOK_DEVS);
          for (const auto& d : c.devices) m.put_str(NFTA_DEVICE_NAME, d);
          m.end_nest(devs);
          m.end_nest(hook);
        }
        return m;
      };
      Answer out;
      if (dump) {
        for (const auto& [name, c] : t.chains) out.replies.push_back(reply(name, c));
        return out;
      }
      auto it = t.chains.find(str_of(a[NFTA_CHAIN_NAME]));
      if (it == t.chains.end()) return err(ENOENT);
      out.replies.push_back(reply(it->first, it->second));
      return out;
    }
    case NFT_MSG_GETRULE: {
      Answer out;
      for (const auto& [name, c] : t.chains) {
        for (size_t i = 0; i < c.rules; ++i) {
          NlMessage m = nf_message(NFT_MSG_NEWRULE, fast);
          m.put_str(NFTA_RULE_TABLE, "netmod");
          m.put_str(NFTA_RULE_CHAIN, name);
          out.replies.push_back(std::move(m));
        }
      }
      return out;
    }
    case NFT_MSG_NEWCHAIN:
    case NFT_MSG_DELCHAIN: {
      if (!t.present) return err(ENOENT);
      const std::string name = str_of(a[NFTA_CHAIN_NAME]);
      auto it = t.chains.find(name);
      Attrs hook = nested(a[NFTA_CHAIN_HOOK]);
      std::vector<std::string> devices;
      for (const nlattr* d : children(hook[NFTA_HOOK_DEVS])) devices.push_back(str_of(d));
      if (type == NFT_MSG_NEWCHAIN) {
        if (it == t.chains.end()) {
          if (!(h->nlmsg_flags & NLM_F_CREATE)) return err(ENOENT);
          it = t.chains.emplace(name, Chain{}).first;
        }
        auto& have = it->second.devices;
        for (const auto& d : devices) {
          if (std::find(have.begin(), have.end(), d) == have.end()) have.push_back(d);
        }
        return {};
      }
      if (it == t.chains.end()) return err(ENOENT);
      if (!devices.empty()) {
        for (const auto& d : devices) std::erase(it->second.devices, d);
        return {};
      }
      for (const auto& [n, s] : t.sets) {
        for (const auto& [k, e] : s.elements) {
          if (e.goto_chain == it->first) return err(EBUSY);
        }
      }
      for (const auto& [n, c] : t.chains) {
        if (std::find(c.gotos.begin(), c.gotos.end(), name) != c.gotos.end()) return err(EBUSY);
      }
      t.chains.erase(it);
      return {};
    }
    case NFT_MSG_NEWRULE:
    case NFT_MSG_DELRULE: {
      // A rule is counted, with the chain its immediate verdict goes to
      // (the one rule netlink writes: a fast-path hook's goto).
      if (!t.present) return err(ENOENT);
      auto it = t.chains.find(str_of(a[NFTA_RULE_CHAIN]));
      if (it == t.chains.end()) return err(ENOENT);
      if (type == NFT_MSG_DELRULE) {
        if (a[NFTA_RULE_HANDLE]) return err(EOPNOTSUPP);
        it->second.rules = 0;
        it->second.gotos.clear();
        return {};
      }
      std::string target;
      for (const nlattr* e : children(a[NFTA_RULE_EXPRESSIONS])) {
        Attrs expr = nested(e);
        Attrs data = nested(expr[NFTA_EXPR_DATA]);
        Attrs value = nested(data[NFTA_IMMEDIATE_DATA]);
        if (value[NFTA_DATA_VERDICT]) target = str_of(nested(value[NFTA_DATA_VERDICT])[NFTA_VERDICT_CHAIN]);
      }
      if (!target.empty() && !t.chains.count(target)) return err(ENOENT);
      ++it->second.rules;
      if (!target.empty()) it->second.gotos.push_back(target);
      return {};
    }
    case NFT_MSG_DELSET: {
      auto it = t.sets.find(str_of(a[NFTA_SET_NAME]));
      if (!t.present || it == t.sets.end()) return err(ENOENT);
      if (!it->second.elements.empty()) return err(EBUSY);
      t.sets.erase(it);
      return {};
    }
    case NFT_MSG_NEWSETELEM:
    case NFT_MSG_DELSETELEM:
    case NFT_MSG_GETSETELEM: {
      const std::string set = str_of(a[NFTA_SET_ELEM_LIST_SET]);
      auto s = t.sets.find(set);
      if (!t.present || s == t.sets.end()) return err(ENOENT);
      auto& elements = s->second.elements;
      auto reply = [&](const std::vector<std::pair<std::string, Element>>& list) {
        NlMessage m = nf_message(NFT_MSG_NEWSETELEM, fast);
        m.put_str(NFTA_SET_ELEM_LIST_TABLE, "netmod");
        m.put_str(NFTA_SET_ELEM_LIST_SET, set);
        size_t all = m.begin_nest(NFTA_SET_ELEM_LIST_ELEMENTS);
        for (const auto& [k, e] : list) {
          size_t el = m.begin_nest(NFTA_LIST_ELEM);
          size_t key = m.begin_nest(NFTA_SET_ELEM_KEY);
          m.put(NFTA_DATA_VALUE, k.data(), k.size());
          m.end_nest(key);
          if (e.interval_end) m.put_u32(NFTA_SET_ELEM_FLAGS, htonl(NFT_SET_ELEM_INTERVAL_END));
          if (!e.goto_chain.empty()) {
            size_t data = m.begin_nest(NFTA_SET_ELEM_DATA);
            size_t v = m.begin_nest(NFTA_DATA_VERDICT);
            m.put_u32(NFTA_VERDICT_CODE, htonl(static_cast<uint32_t>(NFT_GOTO)));
            m.put_str(NFTA_VERDICT_CHAIN, e.goto_chain);
            m.end_nest(v);
            m.end_nest(data);
          } else if (e.ifindex) {
            size_t data = m.begin_nest(NFTA_SET_ELEM_DATA);
            m.put(NFTA_DATA_VALUE, &*e.ifindex, 4);
            m.end_nest(data);
          }
          m.end_nest(el);
        }
        m.end_nest(all);
        return m;
      };
      if (type == NFT_MSG_GETSETELEM && dump) {
        Answer out;
        if (!elements.empty()) out.replies.push_back(reply({elements.begin(), elements.end()}));
        return out;
      }
      for (const nlattr* item : children(a[NFTA_SET_ELEM_LIST_ELEMENTS])) {
        Attrs el = nested(item);
        const std::string key = bytes(bytes_of(nested(el[NFTA_SET_ELEM_KEY])[NFTA_DATA_VALUE]));
        Element value;
        Attrs data = nested(el[NFTA_SET_ELEM_DATA]);
        if (data[NFTA_DATA_VERDICT]) value.goto_chain = str_of(nested(data[NFTA_DATA_VERDICT])[NFTA_VERDICT_CHAIN]);
        if (data[NFTA_DATA_VALUE] && mnl_attr_get_payload_len(data[NFTA_DATA_VALUE]) == 4) {
          uint32_t i;
          std::memcpy(&i, mnl_attr_get_payload(data[NFTA_DATA_VALUE]), 4);
          value.ifindex = i;
        }
        auto found = elements.find(key);
        if (type == NFT_MSG_GETSETELEM) {
          if (found == elements.end()) return err(ENOENT);
          Answer out;
          out.replies.push_back(reply({{found->first, found->second}}));
          return out;
        }
        if (type == NFT_MSG_DELSETELEM) {
          if (found == elements.end()) return err(ENOENT);
          elements.erase(found);
          continue;
        }
        if (!value.goto_chain.empty() && !t.chains.count(value.goto_chain)) return err(ENOENT);
        if (found != elements.end()) {
          if (found->second == value) continue;
          return err(EEXIST);
        }
        elements[key] = value;
      }
      return {};
    }
    default:
      return err(EOPNOTSUPP);
  }
}

namespace {

// The words of one line of nft syntax up to its first '{', and what the
// braces hold.
struct Line {
  std::vector<std::string> words;
  std::string body;
};

Line split(const std::string& text) {
  Line l;
  const auto brace = text.find('{');
  std::istringstream in(text.substr(0, brace));
  for (std::string w; in >> w;) l.words.push_back(w);
  if (brace != std::string::npos) {
    const auto end = text.rfind('}');
    l.body = text.substr(brace + 1, end == std::string::npos ? std::string::npos : end - brace - 1);
  }
  return l;
}

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(' '));
  s.erase(s.find_last_not_of(' ') + 1);
  return s;
}

std::string unquote(const std::string& s) { return s.size() >= 2 && s.front() == '"' ? s.substr(1, s.size() - 2) : s; }

}  // namespace

Result<void> FakeKernel::run_nft(const std::string& commands) {
  if (!fail_nft.empty() && commands.find(fail_nft) != std::string::npos) {
    return make_error(Errc::io, "nft: injected failure");
  }
  Table saved_inet = inet, saved_netdev = netdev;
  auto fail_with = [&](const std::string& why) -> Result<void> {
    inet = saved_inet;
    netdev = saved_netdev;
    return make_error(Errc::not_found, "nft: " + why);
  };
  std::istringstream in(commands);
  for (std::string text; std::getline(in, text);) {
    Line l = split(text);
    if (l.words.size() < 4 || l.words[3] != "netmod") {
      if (l.words.empty()) continue;
      return fail_with("cannot parse: " + text);
    }
    const std::string verb = l.words[0], kind = l.words[1];
    const bool fast = l.words[2] == "netdev";
    Table& t = table(fast);
    if (verb == "add" && kind == "table") {
      t.present = true;
      continue;
    }
    if (!t.present) return fail_with("no such table: " + text);
    const std::string name = l.words.size() > 4 ? l.words[4] : "";
    if (verb == "add" && (kind == "set" || kind == "map")) {
      t.sets[name].map = kind == "map";
    } else if (verb == "add" && kind == "chain") {
      Chain& c = t.chains[name];
      auto d = l.body.find("devices = {");
      if (d == std::string::npos) d = l.body.find("device \"");
      if (d != std::string::npos) {
        auto open = l.body.find('"', d), close = l.body.find('"', open + 1);
        const std::string dev = l.body.substr(open + 1, close - open - 1);
        if (std::find(c.devices.begin(), c.devices.end(), dev) == c.devices.end()) c.devices.push_back(dev);
      }
    } else if (verb == "flush" && kind == "chain") {
      if (!t.chains.count(name)) return fail_with("no such chain: " + text);
      t.chains[name].rules = 0;
      t.chains[name].gotos.clear();
    } else if (verb == "add" && kind == "rule") {
      if (!t.chains.count(name)) return fail_with("no such chain: " + text);
      ++t.chains[name].rules;
      // "add rule <family> netmod <chain> goto <target>"
      if (l.words.size() == 7 && (l.words[5] == "goto" || l.words[5] == "jump")) {
        const std::string& target = l.words[6];
        if (!t.chains.count(target)) return fail_with("no such chain: " + text);
        t.chains[name].gotos.push_back(target);
      }
    } else if (verb == "flush" && kind == "set") {
      if (!t.sets.count(name)) return fail_with("no such set: " + text);
      t.sets[name].elements.clear();
    } else if (verb == "add" && kind == "element") {
      auto s = t.sets.find(name);
      if (s == t.sets.end()) return fail_with("no such set: " + text);
      const std::string body = trim(l.body);
      const auto colon = body.find(" : ");
      const std::string key = trim(body.substr(0, colon));
      const std::string value = colon == std::string::npos ? "" : trim(body.substr(colon + 3));
      if (key.find('/') != std::string::npos) {
        auto cidr = net::Cidr::parse(key);
        if (!cidr) return fail_with("bad range: " + text);
        for (const auto& e : nftstate::interval_elements(name, {*cidr})) {
          s->second.elements[bytes(e.key)] = Element{"", std::nullopt, e.interval_end};
        }
        continue;
      }
      std::optional<std::string> ifname;
      std::optional<net::IpAddress> addr;
      if (const auto dot = key.find(" . "); dot != std::string::npos) {
        ifname = unquote(key.substr(0, dot));
        auto parsed = net::IpAddress::parse(key.substr(dot + 3));
        if (!parsed) return fail_with("bad address: " + text);
        addr = *parsed;
      } else if (key.front() == '"') {
        ifname = unquote(key);
      } else {
        auto parsed = net::IpAddress::parse(key);
        if (!parsed) return fail_with("bad address: " + text);
        addr = *parsed;
      }
      Element e;
      if (value.starts_with("goto ")) {
        e.goto_chain = value.substr(5);
        if (!t.chains.count(e.goto_chain)) return fail_with("no such chain: " + text);
      } else if (!value.empty()) {
        const Link* dev = link(kHostNs, unquote(value));
        if (!dev) return fail_with("no such interface: " + text);
        e.ifindex = static_cast<uint32_t>(dev->index);
      }
      auto k = key_of(ifname, addr);
      auto found = s->second.elements.find(k);
      if (found != s->second.elements.end() && !(found->second == e)) return fail_with("element exists: " + text);
      s->second.elements[k] = e;
    } else {
      return fail_with("not modelled: " + text);
    }
  }
  return ok();
}

}  // namespace netmod::dataplane
