#include "star/collector.hpp"

#include <time.h>

#include "common/json_fields.hpp"
#include "common/json_text.hpp"
#include "star/page.hpp"

namespace netmod::star {

namespace {

int64_t system_now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

http::HttpAnswer json_answer(const nlohmann::json& doc) {
  return {200, "application/json", dump_safely(doc) + "\n"};
}

}  // namespace

Collector::Collector(CollectorOptions options) : options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = system_now_ms;
  for (const auto& r : options_.resources) responses_[r.id] = std::nullopt;
  polled_.assign(options_.resources.size(), false);
}

void Collector::start() {
  periodic_.start(options_.resources.size(), options_.interval, [this](size_t i) { poll(i); });
}

void Collector::stop() { periodic_.stop(); }

void Collector::poll(size_t index) {
  const Resource& r = options_.resources.at(index);
  auto answer = options_.fetch(r.url);
  std::optional<Response> response;
  std::string why;
  if (!answer) {
    why = answer.error().message;
  } else if (answer->truncated) {
    why = "the answer is longer than the collector reads";
  } else if (auto body = parse_json(answer->body, "the answer"); !body) {
    why = "HTTP " + std::to_string(answer->status) + ", " + body.error().message;
  } else {
    response = Response{r.url.text, answer->status, std::move(*body)};
  }
  std::optional<ProbeStatus> status;
  if (response) {
    if (auto s = parse_status(response->body)) status = std::move(*s);
  }
  const bool answering = response.has_value();
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    auto& slot = responses_[r.id];
    // The first result is news too: a probe that never answers would else
    // never be mentioned.
    changed = !polled_[index] || slot.has_value() != answering;
    polled_[index] = true;
    slot = std::move(response);
    if (status && status->identity) identities_[r.id] = *status->identity;
    ++revision_;
    updated_ms_ = options_.now_ms();
  }
  if (options_.log && changed) {
    options_.log(answering ? "probe " + r.id + " (" + r.url.text + ") answers"
                           : "probe " + r.id + " (" + r.url.text + ") does not answer: " + why);
  }
}

Matrix Collector::matrix() const {
  std::lock_guard lock(mu_);
  return compute_matrix(options_.resources, responses_);
}

nlohmann::json Collector::graph() const {
  std::lock_guard lock(mu_);
  GraphInput in;
  in.title = options_.title;
  in.resources = &options_.resources;
  in.responses = &responses_;
  in.identities = &identities_;
  in.revision = revision_;
  in.updated_ms = updated_ms_;
  in.interval_ms = options_.interval.count();
  return graph_json(in);
}

http::HttpAnswer Collector::handle(const std::string& path) const {
  if (path == "/" || path == "/index.html") return {200, "text/html; charset=utf-8", std::string(page_html())};
  if (path == "/graph") return json_answer(graph());
  if (path == "/matrix") return json_answer(matrix_json(matrix()));
  if (path == "/resources") return json_answer(resources_json(options_.resources));
  if (path == "/responses") {
    std::lock_guard lock(mu_);
    return json_answer(responses_json(options_.resources, responses_));
  }
  return {404, "text/plain", "not found; the collector serves /, /graph, /matrix, /resources, /responses\n"};
}

}  // namespace netmod::star
