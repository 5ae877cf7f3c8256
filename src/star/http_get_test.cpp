#include "star/http_get.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <thread>

#include "dataplane/fd.hpp"
#include "http/server.hpp"

namespace netmod::star {
namespace {

using namespace std::chrono_literals;
using dataplane::UniqueFd;

// A listening socket on 127.0.0.1 and its port.
std::pair<UniqueFd, int> listener(int backlog = 4) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(listen(fd.get(), backlog), 0);
  socklen_t len = sizeof a;
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return {std::move(fd), ntohs(a.sin_port)};
}

Url url(const std::string& text) { return *Url::parse(text); }

// Accepts one connection, reads the request head, writes `answer`, closes.
std::thread answer_once(int fd, std::string answer, std::string* request = nullptr) {
  return std::thread([fd, answer = std::move(answer), request] {
    UniqueFd c(accept(fd, nullptr, nullptr));
    std::string head;
    char buf[512];
    while (head.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = read(c.get(), buf, sizeof buf);
      if (n <= 0) break;
      head.append(buf, static_cast<size_t>(n));
    }
    if (request) *request = head;
    (void)!write(c.get(), answer.data(), answer.size());
  });
}

TEST(HttpGet, AgainstTheResponder) {
  http::StatusServer s;
  ASSERT_TRUE(s.start("127.0.0.1:0", [](const std::string& path) -> http::HttpAnswer {
    if (path == "/status") return {200, "application/json", R"({"ok": true})"};
    return {404, "text/plain", "no\n"};
  }));
  auto a = http_get(url("http://127.0.0.1:" + std::to_string(s.port()) + "/status"));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->body, R"({"ok": true})");
  EXPECT_FALSE(a->truncated);
  // Any answer is an answer: a 404 too.
  auto b = http_get(url("http://127.0.0.1:" + std::to_string(s.port()) + "/other?x=1"));
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->status, 404);
  // By name, through getaddrinfo; "localhost" may be ::1 first, where
  // nothing listens: the next address is tried.
  auto c = http_get(url("http://localhost:" + std::to_string(s.port()) + "/status"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->status, 200);
}

TEST(HttpGet, SendsAnHttp10GetWithHost) {
  auto [fd, port] = listener();
  std::string request;
  auto t = answer_once(fd.get(), "HTTP/1.0 200 OK\r\n\r\nhi", &request);
  auto a = http_get(url("http://127.0.0.1:" + std::to_string(port) + "/status?q=1#frag"));
  t.join();
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->body, "hi");
  EXPECT_EQ(request.rfind("GET /status?q=1 HTTP/1.0\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n"), std::string::npos) << request;
}

TEST(HttpGet, ARefusedConnectionIsUnavailableAtOnce) {
  int port = 0;
  {
    auto l = listener();
    port = l.second;
  }  // closed: nothing listens there now
  const auto t0 = std::chrono::steady_clock::now();
  auto a = http_get(url("http://127.0.0.1:" + std::to_string(port) + "/status"));
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::unavailable);
  EXPECT_NE(a.error().message.find("refused"), std::string::npos) << a.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
}

TEST(HttpGet, ASilentServerTimesOut) {
  // The kernel completes the handshake on a listening socket nobody
  // accepts from: the connection is made and no answer ever comes.
  auto [fd, port] = listener();
  const auto t0 = std::chrono::steady_clock::now();
  auto a = http_get(url("http://127.0.0.1:" + std::to_string(port) + "/status"), {.timeout = 300ms});
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::unavailable);
  EXPECT_NE(a.error().message.find("no answer before the timeout"), std::string::npos) << a.error().message;
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 1s);
}

TEST(HttpGet, SomethingThatIsNotHttp) {
  auto [fd, port] = listener();
  auto t = answer_once(fd.get(), "SSH-2.0-OpenSSH_9.2\r\n");
  auto a = http_get(url("http://127.0.0.1:" + std::to_string(port) + "/"));
  t.join();
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::corrupt);
  EXPECT_NE(a.error().message.find("not HTTP"), std::string::npos) << a.error().message;
}

TEST(HttpGet, ALongBodyIsCut) {
  auto [fd, port] = listener();
  auto t = answer_once(fd.get(), "HTTP/1.1 200 OK\r\n\r\n" + std::string(5000, 'x'));
  auto a = http_get(url("http://127.0.0.1:" + std::to_string(port) + "/"), {.timeout = 1s, .max_body = 100});
  t.join();
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->body.size(), 100u);
  EXPECT_TRUE(a->truncated);
}

TEST(HttpGet, ParseAnswer) {
  auto a = parse_answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhello", 100);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->body, "he");
  auto lf = parse_answer("HTTP/1.0 503 Busy\ncontent-length:  3 \n\nabcdef", 100);
  ASSERT_TRUE(lf);
  EXPECT_EQ(lf->status, 503);
  EXPECT_EQ(lf->body, "abc");
  auto head_only = parse_answer("HTTP/1.0 204 No Content\r\nX: y", 100);
  ASSERT_TRUE(head_only);
  EXPECT_EQ(head_only->status, 204);
  EXPECT_EQ(head_only->body, "");
  for (const char* bad : {"", "HTTP/1.0", "HTTP/1.0 2x0 OK\r\n\r\n", "HTTP/1.0 099 Low\r\n\r\n", "http/1.0 200 OK\r\n\r\n",
                          "HTTP/1.0 20 OK\r\n\r\n"}) {
    auto r = parse_answer(bad, 100);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::corrupt);
  }
}

}  // namespace
}  // namespace netmod::star
