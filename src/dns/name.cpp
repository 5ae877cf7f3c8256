#include "dns/name.hpp"

namespace netmod::dns {

std::string lower(std::string_view label) {
  std::string out(label);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

namespace {

bool ldh(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

}  // namespace

bool is_task_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  for (char c : lower(label)) {
    if (!ldh(c)) return false;
  }
  return true;
}

Result<Domain> Domain::parse(std::string_view text) {
  const std::string quoted = "DNS domain \"" + std::string(text) + "\"";
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty()) return make_error(Errc::invalid_argument, quoted + " is empty");
  if (text.size() > 253) return make_error(Errc::invalid_argument, quoted + " is longer than 253 characters");
  std::vector<std::string> labels;
  size_t start = 0;
  while (start <= text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) dot = text.size();
    const std::string label = lower(text.substr(start, dot - start));
    if (label.empty()) return make_error(Errc::invalid_argument, quoted + " has an empty label");
    if (label.size() > 63) {
      return make_error(Errc::invalid_argument, quoted + ": label \"" + label + "\" is longer than 63 characters");
    }
    for (char c : label) {
      if (!ldh(c)) {
        return make_error(Errc::invalid_argument,
                          quoted + ": label \"" + label + "\" may hold only letters, digits and '-'");
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      return make_error(Errc::invalid_argument, quoted + ": label \"" + label + "\" starts or ends with '-'");
    }
    labels.push_back(label);
    start = dot + 1;
  }
  return Domain(std::move(labels));
}

std::string Domain::str() const {
  std::string out;
  for (const auto& l : labels_) out += (out.empty() ? "" : ".") + l;
  return out;
}

int Domain::depth_of(const std::vector<std::string>& name) const {
  if (name.size() < labels_.size()) return -1;
  const size_t below = name.size() - labels_.size();
  for (size_t i = 0; i < labels_.size(); ++i) {
    if (lower(name[below + i]) != labels_[i]) return -1;
  }
  return static_cast<int>(below);
}

}  // namespace netmod::dns
