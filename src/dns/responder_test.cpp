#include "dns/responder.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

#include "dns/test_queries.hpp"

namespace netmod::dns {
namespace {

using dataplane::UniqueFd;
using testing::query;
using testing::read_answer;

net::Endpoint endpoint(const char* text) { return *net::Endpoint::parse(text, 53); }

std::optional<std::vector<net::IpAddress>> addresses(int n) {
  std::vector<net::IpAddress> out;
  for (int i = 1; i <= n; ++i) out.push_back(net::IpAddress::v4(0x0A410000u + static_cast<uint32_t>(i)));
  return out;
}

// Names "task-<n>" have n addresses.
Lookup fake_lookup() {
  return [](std::string_view name) -> Result<std::optional<std::vector<net::IpAddress>>> {
    if (!name.starts_with("task-")) return std::optional<std::vector<net::IpAddress>>{};
    return addresses(std::stoi(std::string(name.substr(5))));
  };
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

std::string udp_ask(uint16_t port, const std::string& q, int wait_ms = 2000) {
  return testing::udp_ask(net::Endpoint{net::IpAddress::v4(INADDR_LOOPBACK), port}, q, wait_ms);
}

UniqueFd tcp_connect(uint16_t port) {
  UniqueFd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const sockaddr_in to = loopback(port);
  EXPECT_EQ(connect(s.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to), 0);
  return s;
}

std::string framed(const std::string& q) {
  std::string out;
  testing::put16(out, static_cast<uint16_t>(q.size()));
  return out + q;
}

// Reads exactly n bytes (2 s at most for each piece).
std::string read_exact(int fd, size_t n) {
  std::string in;
  while (in.size() < n) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 2000) != 1) return "";
    char buf[4096];
    const ssize_t got = recv(fd, buf, std::min(sizeof buf, n - in.size()), 0);
    if (got <= 0) return "";
    in.append(buf, static_cast<size_t>(got));
  }
  return in;
}

// Reads one length-prefixed message.
std::string tcp_read(int fd) {
  const std::string len = read_exact(fd, 2);
  if (len.size() != 2) return "";
  return read_exact(fd, static_cast<size_t>(static_cast<uint8_t>(len[0]) << 8 | static_cast<uint8_t>(len[1])));
}

ResponderOptions options(std::vector<net::Endpoint> at) {
  ResponderOptions o;
  o.addresses = std::move(at);
  o.zone = Zone{*Domain::parse("marathon.mesos"), fake_lookup(), 1};
  return o;
}

class ResponderTest : public ::testing::Test {
 protected:
  std::atomic<int> answered{0};
  std::unique_ptr<Responder> start(std::vector<net::Endpoint> at) {
    ResponderOptions o = options(std::move(at));
    o.on_answer = [this](Rcode, Transport) { ++answered; };
    auto r = Responder::start(std::move(o));
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::move(*r) : nullptr;
  }
};

TEST_F(ResponderTest, AnswersOverUdp) {
  auto r = start({endpoint("127.0.0.1:0")});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->bound().size(), 1u);
  const uint16_t port = r->bound()[0].port;
  ASSERT_NE(port, 0);
  auto a = read_answer(udp_ask(port, query("task-2.marathon.mesos", rrtype::a, 0x0A0A)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->id, 0x0A0A);
  EXPECT_EQ(a->an, 2);
  EXPECT_EQ(a->records[1].data, "10.65.0.2");
  auto nx = read_answer(udp_ask(port, query("other.marathon.mesos", rrtype::a)));
  ASSERT_TRUE(nx);
  EXPECT_EQ(nx->rcode(), Rcode::nxdomain);
  auto refused = read_answer(udp_ask(port, query("example.org", rrtype::a)));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->rcode(), Rcode::refused);
  // Garbage too short for a header gets no answer; the next query does.
  EXPECT_EQ(udp_ask(port, "xyz", 200), "");
  EXPECT_TRUE(read_answer(udp_ask(port, query("task-1.marathon.mesos", rrtype::a))));
  EXPECT_EQ(answered, 4);
}

TEST_F(ResponderTest, TruncatedOverUdpWholeOverTcp) {
  auto r = start({endpoint("127.0.0.1:0")});
  ASSERT_TRUE(r);
  const uint16_t port = r->bound()[0].port;
  const std::string q = query("task-60.marathon.mesos", rrtype::a);  // 60 x 16 bytes: more than 512
  auto udp = read_answer(udp_ask(port, q));
  ASSERT_TRUE(udp);
  EXPECT_TRUE(udp->tc());
  EXPECT_EQ(udp->an, 0);
  auto s = tcp_connect(port);
  ASSERT_EQ(write(s.get(), framed(q).data(), framed(q).size()), static_cast<ssize_t>(framed(q).size()));
  auto tcp = read_answer(tcp_read(s.get()));
  ASSERT_TRUE(tcp);
  EXPECT_FALSE(tcp->tc());
  EXPECT_EQ(tcp->an, 60);
}

TEST_F(ResponderTest, TcpTakesSeveralQueriesOnOneConnectionInPieces) {
  auto r = start({endpoint("127.0.0.1:0")});
  ASSERT_TRUE(r);
  auto s = tcp_connect(r->bound()[0].port);
  const std::string both = framed(query("task-1.marathon.mesos", rrtype::a, 1)) + framed(query("x.marathon.mesos", rrtype::a, 2));
  // Byte by byte: messages are put together however the stream cuts them.
  for (char c : both) ASSERT_EQ(write(s.get(), &c, 1), 1);
  auto first = read_answer(tcp_read(s.get()));
  auto second = read_answer(tcp_read(s.get()));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->id, 1);
  EXPECT_EQ(first->an, 1);
  EXPECT_EQ(second->id, 2);
  EXPECT_EQ(second->rcode(), Rcode::nxdomain);
  // UDP is served meanwhile, with the connection still open.
  EXPECT_TRUE(read_answer(udp_ask(r->bound()[0].port, query("task-1.marathon.mesos", rrtype::a))));
}

TEST_F(ResponderTest, AWildcardAddressAnswersFromTheAddressAsked) {
  auto r = start({endpoint("0.0.0.0:0")});
  ASSERT_TRUE(r);
  // udp_ask's socket is connected to 127.0.0.1: a reply from another
  // source would not reach it.
  auto a = read_answer(udp_ask(r->bound()[0].port, query("task-1.marathon.mesos", rrtype::a)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->an, 1);
}

TEST_F(ResponderTest, ATakenPortIsAnErrorNamingTheAddress) {
  auto r = start({endpoint("127.0.0.1:0")});
  ASSERT_TRUE(r);
  const std::string taken = r->bound()[0].str();
  auto again = Responder::start(options({endpoint("127.0.0.1:0"), r->bound()[0]}));
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("binding UDP to " + taken), std::string::npos) << again.error().message;
  EXPECT_EQ(again.error().sys_errno, EADDRINUSE);
  // Stopping twice is fine; after it the port is free again.
  const net::Endpoint was = r->bound()[0];
  r->stop();
  r->stop();
  auto reuse = start({was});
  EXPECT_TRUE(reuse);
}

TEST_F(ResponderTest, ServesIpv6AndSeveralAddresses) {
  auto started = Responder::start(options({endpoint("127.0.0.1:0"), endpoint("[::1]:0")}));
  if (!started && started.error().sys_errno == EADDRNOTAVAIL) GTEST_SKIP() << "no IPv6 loopback here";
  ASSERT_TRUE(started) << started.error().message;
  auto& r = *started;
  ASSERT_EQ(r->bound().size(), 2u);
  auto a = read_answer(testing::udp_ask(r->bound()[1], query("task-1.marathon.mesos", rrtype::a)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->an, 1);
}

TEST(Responder, RefusesToStartWithNothingToDo) {
  ResponderOptions o = options({});
  EXPECT_FALSE(Responder::start(o));
  o.addresses = {endpoint("127.0.0.1:0")};
  o.zone.lookup = nullptr;
  EXPECT_FALSE(Responder::start(o));
}

}  // namespace
}  // namespace netmod::dns
