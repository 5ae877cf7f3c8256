#include "engine/diff.hpp"

#include <tuple>

#include <linux/rtnetlink.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "dataplane/dataplane.hpp"
#include "dataplane/nft_netlink.hpp"

namespace netmod::engine {

namespace ruleset = dataplane::ruleset;
namespace rtnl = dataplane::rtnl;
namespace nftstate = dataplane::nftstate;

bool is_host_ifname(std::string_view name) {
  if (name.size() != 14 || !name.starts_with(dataplane::kHostIfPrefix)) return false;
  return name.find_first_not_of("0123456789abcdef", 2) == std::string_view::npos;
}

namespace {

bool is_group_set(std::string_view name, bool fast) {
  return fast ? name.starts_with("gi4_") || name.starts_with("gi6_") : name.starts_with("g4_") || name.starts_with("g6_");
}

bool is_group_chain(std::string_view name, bool fast) {
  return fast ? name.starts_with("f_") : name.starts_with("c_") && name != "c_isolated" && name != "c_public";
}

// An element's identity in one string: its table ('0' inet, '1' fast),
// its set, a NUL, its key's bytes. Ordered as (table, set, key), and
// hashed: a host holds some 100,000 elements at 10,000 tasks, and ordered
// maps of tuples of strings made the difference of those take 0.9 s.
using ElementKey = std::string;
ElementKey key_of(const nftstate::KernelElement& e) {
  ElementKey k;
  k.reserve(2 + e.set.size() + e.key.size());
  k += e.fast ? '1' : '0';
  k += e.set;
  k += '\0';
  k.append(e.key.begin(), e.key.end());
  return k;
}

struct Differ {
  Differ(const Plan& p, const Snapshot& k) : plan(p), kernel(k) {}
  const Plan& plan;
  const Snapshot& kernel;
  Change out;
  std::map<std::string, const dataplane::state::Link*> by_name;
  std::set<int> owned;                 // indexes of netmod's task links
  std::map<std::string, int> present;  // planned links the kernel has: name -> index
  std::set<std::string> makers;        // nft syntax queued (each once)

  void make(const std::string& text) {
    if (makers.insert(text).second) out.nft_text += text;
  }

  void links() {
    for (const auto& l : kernel.links) {
      by_name[l.name] = &l;
      names[l.index] = l.name;
    }
    for (const auto& [name, task] : plan.links) {
      auto it = by_name.find(name);
      if (it == by_name.end() || it->second->group == ruleset::kParkedIfGroup) {
        out.unlinked.push_back(task.container_id);
        continue;
      }
      const auto& l = *it->second;
      present[name] = l.index;
      owned.insert(l.index);
      if (l.group != ruleset::kTaskIfGroup) {
        out.rtnl.push_back(rtnl::set_link_group(name, ruleset::kTaskIfGroup));
        out.added.push_back("interface " + name + " back in netmod's interface group");
      }
      if (!l.up) {
        out.rtnl.push_back(rtnl::set_link_up(name));
        out.added.push_back("interface " + name + " up");
      }
    }
    for (const auto& l : kernel.links) {
      if (!is_host_ifname(l.name)) continue;
      if (l.group == ruleset::kParkedIfGroup) {
        out.rtnl.push_back(rtnl::del_link(l.index));
        out.removed.push_back("interface " + l.name + " (of a deleted task, parked for deletion)");
      } else if (l.group == ruleset::kTaskIfGroup && !plan.links.count(l.name) && !plan.spare_links.count(l.name)) {
        out.rtnl.push_back(rtnl::del_link(l.index));
        out.removed.push_back("interface " + l.name + " (no endpoint)");
        owned.insert(l.index);  // its routes and neighbours go with it
      }
    }
  }

  void routes() {
    // (destination, index, gateway): index 0 and no gateway for a
    // blackhole, index 0 and a gateway for a route via another host.
    using Key = std::tuple<net::Cidr, int, std::optional<net::IpAddress>>;
    std::set<Key> want, have;
    for (const auto& r : plan.routes) {
      if (r.via) {
        want.insert({r.dst, 0, r.via});
      } else if (r.ifname.empty()) {
        want.insert({r.dst, 0, std::nullopt});
      } else if (auto it = present.find(r.ifname); it != present.end()) {
        want.insert({r.dst, it->second, std::nullopt});
      }
    }
    for (const auto& r : kernel.routes) {
      const bool blackhole = r.type == RTN_BLACKHOLE;
      if (r.gateway) {
        have.insert({r.dst, 0, r.gateway});
        continue;
      }
      if (!blackhole && r.oif == 0) continue;
      have.insert({r.dst, blackhole ? 0 : r.oif, std::nullopt});
    }
    auto describe = [&](const Key& k) {
      const auto& [dst, index, gw] = k;
      if (gw) return "route to " + dst.str() + " via " + gw->str();
      return index ? "route to " + dst.str() + " via " + name_of(index) : "blackhole " + dst.str();
    };
    auto message = [](const Key& k) {
      const auto& [dst, index, gw] = k;
      return rtnl::Route{dst, index, gw, index == 0 && !gw, index != 0};
    };
    for (const auto& k : have) {
      if (want.count(k)) continue;
      const int index = std::get<1>(k);
      // A route through a link that goes anyway goes with it.
      if (index && !present.count(name_of(index)) && owned.count(index)) continue;
      out.rtnl.push_back(rtnl::del_route(message(k)));
      out.removed.push_back(describe(k) + (std::get<2>(k) ? " (no such block or task on that host)" : " (no endpoint or block)"));
    }
    for (const auto& k : want) {
      if (have.count(k)) continue;
      out.rtnl.push_back(rtnl::add_route(message(k)));
      out.added.push_back(describe(k));
    }
  }

  std::map<int, std::string> names;  // of every link, by index
  std::string name_of(int index) const {
    auto it = names.find(index);
    return it == names.end() ? "#" + std::to_string(index) : it->second;
  }

  void neighbours() {
    using Entry = std::pair<int, net::IpAddress>;
    std::map<Entry, std::optional<rtnl::Mac>> want_perm;
    std::set<Entry> want_proxy;
    for (const auto& n : plan.neighbours) {
      auto it = present.find(n.ifname);
      if (it == present.end()) continue;
      if (n.mac) {
        want_perm[{it->second, n.ip}] = n.mac;
      } else {
        want_proxy.insert({it->second, n.ip});
      }
    }
    std::map<Entry, std::optional<rtnl::Mac>> have_perm;
    std::set<Entry> have_proxy;
    for (const auto& n : kernel.neighbours) {
      if (owned.count(n.index)) have_perm[{n.index, n.ip}] = n.mac;
    }
    for (const auto& n : kernel.proxies) {
      if (owned.count(n.index)) have_proxy.insert({n.index, n.ip});
    }
    for (const auto& [e, mac] : have_perm) {
      if (want_perm.count(e) || !present.count(name_of(e.first))) continue;
      out.rtnl.push_back(rtnl::del_neighbour(e.first, e.second));
      out.removed.push_back("neighbour " + e.second.str() + " on " + name_of(e.first) + " (no endpoint)");
    }
    for (const auto& e : have_proxy) {
      if (want_proxy.count(e) || !present.count(name_of(e.first))) continue;
      out.rtnl.push_back(rtnl::del_proxy_neighbour(e.first, e.second));
      out.removed.push_back("proxy entry " + e.second.str() + " on " + name_of(e.first) + " (no endpoint)");
    }
    for (const auto& [e, mac] : want_perm) {
      auto it = have_perm.find(e);
      if (it != have_perm.end() && it->second == mac) continue;
      out.rtnl.push_back(rtnl::add_neighbour(e.first, e.second, *mac));
      out.added.push_back("neighbour " + e.second.str() + " on " + name_of(e.first));
    }
    for (const auto& e : want_proxy) {
      if (have_proxy.count(e)) continue;
      out.rtnl.push_back(rtnl::add_proxy_neighbour(e.first, e.second));
      out.added.push_back("proxy entry " + e.second.str() + " on " + name_of(e.first));
    }
  }

  bool exists(const Object& o) const {
    const auto& t = o.fast ? kernel.nft.netdev : kernel.nft.inet;
    if (!t.present) return false;
    return o.chain ? t.chain(o.name) != nullptr : t.has_set(o.name);
  }

  void objects() {
    for (const auto& o : plan.objects) {
      const std::string& text = plan.makers.at(o);
      if (!exists(o)) {
        make(text);
        out.added.push_back(std::string("nftables ") + (o.chain ? "chain " : "set ") + (o.fast ? "fast/" : "") + o.name);
        continue;
      }
      if (!o.chain) continue;
      const auto& t = o.fast ? kernel.nft.netdev : kernel.nft.inet;
      auto want = plan.rule_counts.find(o);
      auto have = t.rule_counts.find(o.name);
      const size_t n = have == t.rule_counts.end() ? 0 : have->second;
      if (want != plan.rule_counts.end() && want->second != n) {
        make(text);
        out.added.push_back("nftables chain " + std::string(o.fast ? "fast/" : "") + o.name + " rules (" +
                            std::to_string(n) + " of " + std::to_string(want->second) + ": written anew)");
      }
    }
    // The pool sets: their ranges as the kernel holds them.
    if (!kernel.nft.inet.present) {
      make(ruleset::pools(plan.pools));
    } else {
      std::set<ElementKey> want, have;
      for (const char* f : {"v4", "v6"}) {
        std::vector<net::Cidr> all, nat;
        for (const auto& p : plan.pools) {
          if ((p.cidr.family() == net::Family::v4) != (std::string(f) == "v4")) continue;
          all.push_back(p.cidr);
          if (p.nat_outgoing) nat.push_back(p.cidr);
        }
        for (auto& e : nftstate::interval_elements(std::string("pools_") + f, all)) want.insert(key_of(e));
        for (auto& e : nftstate::interval_elements(std::string("nat_") + f, nat)) want.insert(key_of(e));
      }
      for (const auto& e : kernel.nft.elements) {
        if (!nftstate::holds_pool_elements(e.set, e.fast)) continue;
        // nft's marker of a first range that does not start at zero.
        const bool zero = std::all_of(e.key.begin(), e.key.end(), [](uint8_t b) { return b == 0; });
        if (e.interval_end && zero) continue;
        have.insert(key_of(e));
      }
      if (want != have) {
        make(ruleset::pools(plan.pools));
        out.added.push_back("nftables pool sets (written anew)");
      }
    }
    // Netgroup sets and combination chains no endpoint of the host needs:
    // chains first (their rules use the sets).
    std::vector<dataplane::NlMessage> chains, sets;
    std::set<std::pair<std::string, bool>> filled;
    for (const auto& e : kernel.nft.elements) filled.insert({e.set, e.fast});
    for (bool fast : {false, true}) {
      const auto& t = fast ? kernel.nft.netdev : kernel.nft.inet;
      for (const auto& c : t.chains) {
        if (is_group_chain(c.name, fast) && !plan.objects.count({c.name, true, fast})) {
          chains.push_back(dataplane::nftnl::del_chain(c.name, fast));
          out.removed.push_back(std::string("nftables chain ") + (fast ? "fast/" : "") + c.name + " (no endpoint is in its netgroups)");
        }
      }
      for (const auto& s : t.sets) {
        if (is_group_set(s, fast) && !plan.objects.count({s, false, fast})) {
          // The kernel refuses a set that holds elements (del_set is
          // NLM_F_NONREC), elements deleted in the same batch included:
          // its elements go now, the set on the next run.
          if (filled.count({s, fast})) continue;
          sets.push_back(dataplane::nftnl::del_set(s, fast));
          out.removed.push_back(std::string("nftables set ") + (fast ? "fast/" : "") + s + " (no endpoint is in its netgroup)");
        }
      }
    }
    deleted_objects = std::move(chains);
    for (auto& m : sets) deleted_objects.push_back(std::move(m));
  }
  std::vector<dataplane::NlMessage> deleted_objects;

  void elements() {
    std::unordered_map<ElementKey, const nftstate::KernelElement*> have;
    have.reserve(kernel.nft.elements.size());
    for (const auto& e : kernel.nft.elements) {
      if (nftstate::holds_task_elements(e.set, e.fast)) have[key_of(e)] = &e;
    }
    struct Wanted {
      nftstate::KernelElement kernel;
      const ruleset::Element* source;
    };
    std::unordered_map<ElementKey, Wanted> want;
    want.reserve(plan.elements.size());
    for (const auto& el : plan.elements) {
      // A task's elements while its host end is there (a task wired anew
      // gets them from its wiring); a fast-path one with the fast path.
      const std::string& owner = el.ifname ? *el.ifname : el.data_ifname;
      if (!owner.empty() && !present.count(owner)) continue;
      ruleset::Element e = el;
      if (!e.data_ifname.empty()) e.data_ifindex = present.at(e.data_ifname);
      auto k = nftstate::kernel_form(e);
      ElementKey key = key_of(k);
      want.insert_or_assign(std::move(key), Wanted{std::move(k), &el});
    }
    // Elements whose owner is gone, or of addresses (to_, isolated_, g4_ ...
    // keyed by address alone) whose task's host end is gone, are skipped
    // above; so are their kernel copies here, lest they be deleted and
    // then wanted again when the task is wired anew.
    std::set<net::IpAddress> orphaned;  // addresses of tasks whose host end is gone
    for (const auto& [name, task] : plan.links) {
      if (!present.count(name)) orphaned.insert(task.addresses.begin(), task.addresses.end());
    }
    // Their elements are kept for their wiring anew (which adds the same
    // again), but a fast-path dev_ entry, which names the gone link's index.
    std::unordered_set<ElementKey> skipped;
    for (const auto& el : plan.elements) {
      const bool mine = el.ifname ? plan.links.count(*el.ifname) && !present.count(*el.ifname)
                                  : el.data_ifname.empty() && el.addr && orphaned.count(*el.addr);
      if (!mine) continue;
      ElementKey k = key_of(nftstate::kernel_form(el));
      want.erase(k);
      skipped.insert(std::move(k));
    }
    // What differs, in key order (reports and messages in a stable order).
    std::vector<std::pair<const ElementKey*, const nftstate::KernelElement*>> gone;
    for (const auto& [k, e] : have) {
      auto w = want.find(k);
      if (w != want.end() && w->second.kernel == *e) continue;
      if (w == want.end() && skipped.count(k)) continue;
      gone.emplace_back(&k, e);
    }
    std::vector<std::pair<const ElementKey*, const Wanted*>> missing;
    for (const auto& [k, w] : want) {
      auto h = have.find(k);
      if (h != have.end() && *h->second == w.kernel) continue;
      missing.emplace_back(&k, &w);
    }
    const auto by_key = [](const auto& a, const auto& b) { return *a.first < *b.first; };
    std::sort(gone.begin(), gone.end(), by_key);
    std::sort(missing.begin(), missing.end(), by_key);
    std::vector<dataplane::NlMessage> dels, adds;
    for (const auto& [k, e] : gone) {
      // A pending fast path of a task being wired now is its wiring's.
      if (e->set == ruleset::kFastPendingSet && !e->fast) {
        std::string name(e->key.begin(), std::find(e->key.begin(), e->key.end(), uint8_t{0}));
        if (plan.links.count(name)) continue;
      }
      const bool wrong = want.count(*k) > 0;
      dels.push_back(nftstate::del_element(*e));
      const bool stale = !wrong && e->data_ifindex && !names.count(static_cast<int>(*e->data_ifindex));
      out.removed.push_back("nftables element " + nftstate::describe(*e) +
                            (wrong ? " (a wrong value)" : stale ? " (its interface is gone)" : " (no endpoint)"));
    }
    for (const auto& [k, w] : missing) {
      ruleset::Element el = *w->source;
      if (!el.data_ifname.empty()) el.data_ifindex = present.at(el.data_ifname);
      adds.push_back(dataplane::nftnl::new_element(el));
      out.added.push_back("nftables element " + nftstate::describe(w->kernel));
    }
    for (auto& m : dels) out.nf.push_back(std::move(m));
    for (auto& m : deleted_objects) out.nf.push_back(std::move(m));
    for (auto& m : adds) out.nf.push_back(std::move(m));
  }

  // A base chain per hooked host end (ruleset::fast_hook): there, hooked
  // on its device, with its one rule; else written anew. Those of host
  // ends no endpoint wants are deleted (before 6.16 the kernel deletes
  // them with their device; later ones keep them).
  void hooks() {
    const auto& t = kernel.nft.netdev;
    std::map<std::string, const nftstate::Chain*> have;  // by device
    if (t.present) {
      for (const auto& c : t.chains) {
        if (auto d = ruleset::fast_hook_device(c.name)) have[*d] = &c;
      }
    }
    for (const auto& h : plan.hooks) {
      if (!present.count(h)) continue;
      auto it = have.find(h);
      std::string why;
      if (it != have.end()) {
        auto n = t.rule_counts.find(it->second->name);
        const bool hooked = it->second->devices == std::vector<std::string>{h};
        if (hooked && n != t.rule_counts.end() && n->second == 1) continue;
        why = hooked ? " (its rule: written anew)" : " (its hook: written anew)";
        // A chain hooked elsewhere keeps that hook (the kernel does not
        // move one): deleted first, then made again.
        if (!hooked) out.nf.push_back(dataplane::nftnl::del_fast_hook(h));
      }
      for (auto& m : dataplane::nftnl::add_fast_hook(h)) out.nf.push_back(std::move(m));
      out.added.push_back("fast-path hook on " + h + why);
    }
    for (const auto& [d, c] : have) {
      if (plan.hooks.count(d)) continue;
      out.nf.push_back(dataplane::nftnl::del_fast_hook(d));
      out.removed.push_back("fast-path hook on " + d + " (no endpoint)");
    }
  }
};

}  // namespace

Change diff(const Plan& plan, const Snapshot& kernel) {
  Differ d(plan, kernel);
  d.links();
  // Deletions of links before anything that might name them again.
  std::vector<dataplane::NlMessage> link_msgs = std::move(d.out.rtnl);
  d.out.rtnl.clear();
  d.neighbours();
  d.routes();
  d.objects();
  d.elements();
  d.hooks();
  std::vector<dataplane::NlMessage> rt = std::move(link_msgs);
  for (auto& m : d.out.rtnl) rt.push_back(std::move(m));
  d.out.rtnl = std::move(rt);
  return std::move(d.out);
}

}  // namespace netmod::engine
