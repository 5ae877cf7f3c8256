#include "star/probe.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "common/json_fields.hpp"
#include "dataplane/fd.hpp"
#include "http/server.hpp"

namespace netmod::star {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

Url url(const std::string& text) { return *Url::parse(text); }

// A port on 127.0.0.1 that refuses connections, and one that accepts them
// into a backlog nobody reads (every GET to it times out).
int refusing_port() {
  dataplane::UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

struct Silent {
  Silent() : fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd.get(), 8);
    socklen_t len = sizeof a;
    getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  dataplane::UniqueFd fd;
  int port = 0;
};

json status_of(const Probe& p) {
  auto a = p.handle("/status");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.content_type, "application/json");
  return *parse_json(a.body, "status");
}

TEST(Probe, TargetsStartUnreachableAndFollowTheirGets) {
  http::StatusServer target;
  ASSERT_TRUE(target.start("127.0.0.1:0", [](const std::string&) { return http::HttpAnswer{404, "text/plain", ""}; }));
  Silent silent;
  const std::string up = "http://127.0.0.1:" + std::to_string(target.port()) + "/status";
  const std::string refused = "http://127.0.0.1:" + std::to_string(refusing_port()) + "/status";
  const std::string times_out = "http://127.0.0.1:" + std::to_string(silent.port) + "/status";
  std::vector<std::string> log;
  std::mutex log_mu;
  Probe p({.targets = {url(up), url(refused), url(times_out)},
           .identity = {"probe-a", "/star/probe-a", "h1", {"10.65.0.2"}, {"star-1"}},
           .fetch = http_fetch({.timeout = 300ms}),
           .log = [&](const std::string& line) {
             std::lock_guard lock(log_mu);
             log.push_back(line);
           }});
  EXPECT_EQ(status_of(p), json::parse(R"({"status": {"targets": [
      {"reachable": false, "url": ")" + up + R"("}, {"reachable": false, "url": ")" + refused + R"("},
      {"reachable": false, "url": ")" + times_out + R"("}]},
      "probe": {"name": "probe-a", "app": "/star/probe-a", "host": "h1", "addresses": ["10.65.0.2"],
                "netgroups": ["star-1"]}})"));
  for (size_t i = 0; i < 3; ++i) p.check(i);
  EXPECT_EQ(p.targets(), (std::vector<TargetStatus>{{up, true}, {refused, false}, {times_out, false}}));
  ASSERT_EQ(log.size(), 3u);  // the first result of each
  EXPECT_NE(log[0].find("reachable (HTTP 404)"), std::string::npos) << log[0];
  EXPECT_NE(log[1].find("unreachable"), std::string::npos) << log[1];
  // Unchanged: nothing more to say.
  p.check(0);
  EXPECT_EQ(log.size(), 3u);
  target.stop();
  p.check(0);
  EXPECT_EQ(p.targets()[0].reachable, false);
  EXPECT_EQ(log.size(), 4u);
  EXPECT_EQ(p.handle("/").status, 404);
}

TEST(Probe, ServedAndPolledOverRealSockets) {
  // Two probes that target each other, each served on 127.0.0.1: the
  // client and the responder against each other, on the probe's period.
  http::StatusServer sa, sb;
  Probe* pa_ptr = nullptr;
  Probe* pb_ptr = nullptr;
  ASSERT_TRUE(sa.start("127.0.0.1:0", [&](const std::string& path) { return pa_ptr->handle(path); }));
  ASSERT_TRUE(sb.start("127.0.0.1:0", [&](const std::string& path) { return pb_ptr->handle(path); }));
  const std::string ua = "http://127.0.0.1:" + std::to_string(sa.port()) + "/status";
  const std::string ub = "http://127.0.0.1:" + std::to_string(sb.port()) + "/status";
  Probe pa({.targets = {url(ub)}, .interval = 50ms});
  Probe pb({.targets = {url(ua)}, .interval = 50ms});
  pa_ptr = &pa;
  pb_ptr = &pb;
  pa.start();
  pb.start();
  for (int i = 0; i < 100 && !(pa.targets()[0].reachable && pb.targets()[0].reachable); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(pa.targets()[0].reachable);
  EXPECT_TRUE(pb.targets()[0].reachable);
  // What B says, read the way a collector reads it.
  auto got = http_get(url(ub));
  ASSERT_TRUE(got) << got.error().message;
  auto body = parse_json(got->body, "status");
  ASSERT_TRUE(body);
  EXPECT_EQ((*body)["status"]["targets"][0], json::parse(R"({"reachable": true, "url": ")" + ua + R"("})"));
  pa.stop();
  pb.stop();
  sa.stop();
  sb.stop();
}

}  // namespace
}  // namespace netmod::star
