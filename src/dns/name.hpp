// DNS names as the responder compares them: labels, lower-cased (ASCII
// only: RFC 4343 makes DNS case-insensitive for A-Z alone), without the
// root label. The domain the agent answers for (agent.dns_domain) is a
// Domain: it cannot be built from text that is not a host name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace netmod::dns {

// ASCII lower case; every other byte kept.
std::string lower(std::string_view label);

// True for a label netmod files names under (records/tasks.hpp dns_label):
// 1-63 characters of [a-z0-9-], after lower-casing.
bool is_task_label(std::string_view label);

class Domain {
 public:
  // Mesos-DNS's domain of Marathon's tasks, "marathon.mesos": the default.
  Domain() : labels_{"marathon", "mesos"} {}
  // "marathon.mesos" or "Marathon.Mesos." (one trailing dot allowed):
  // labels of 1-63 letters, digits and '-', none starting or ending with
  // '-', at most 253 characters in all. Errors say which rule broke.
  static Result<Domain> parse(std::string_view text);

  // Lower-cased, most specific first: {"marathon", "mesos"}.
  const std::vector<std::string>& labels() const { return labels_; }
  // "marathon.mesos", no trailing dot.
  std::string str() const;

  // How many leading labels of `name` (case-insensitive) lie below the
  // domain: 0 for the domain itself; -1 when `name` is not in it.
  int depth_of(const std::vector<std::string>& name) const;

  bool operator==(const Domain&) const = default;

 private:
  explicit Domain(std::vector<std::string> labels) : labels_(std::move(labels)) {}
  std::vector<std::string> labels_;
};

}  // namespace netmod::dns
