#include "star/probe.hpp"

#include "common/json_text.hpp"

namespace netmod::star {

Probe::Probe(ProbeOptions options) : options_(std::move(options)) {
  for (const auto& u : options_.targets) status_.push_back({u.text, false});
  checked_.assign(status_.size(), false);
}

void Probe::start() {
  periodic_.start(options_.targets.size(), options_.interval, [this](size_t i) { check(i); });
}

void Probe::stop() { periodic_.stop(); }

void Probe::check(size_t index) {
  const Url& url = options_.targets.at(index);
  auto answer = options_.fetch(url);
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    // The first result is news too: a target never reached would else
    // never be mentioned.
    changed = !checked_[index] || status_[index].reachable != answer.has_value();
    status_[index].reachable = answer.has_value();
    checked_[index] = true;
  }
  if (changed && options_.log) {
    options_.log(answer ? "target " + url.text + " is reachable (HTTP " + std::to_string(answer->status) + ")"
                        : "target " + url.text + " is unreachable: " + answer.error().message);
  }
}

std::vector<TargetStatus> Probe::targets() const {
  std::lock_guard lock(mu_);
  return status_;
}

http::HttpAnswer Probe::handle(const std::string& path) const {
  if (path != "/status") return {404, "text/plain", "not found; the probe serves /status\n"};
  return {200, "application/json", dump_safely(status_json(targets(), options_.identity)) + "\n"};
}

}  // namespace netmod::star
