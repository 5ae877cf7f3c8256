#include "http/server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace netmod::http {
namespace {

std::string ask(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[512];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

TEST(StatusServer, AnswersGetsAndRefusesTheRest) {
  StatusServer s;
  ASSERT_TRUE(s.start("127.0.0.1:0", [](const std::string& path) -> HttpAnswer {
    if (path == "/metrics") return {200, "text/plain", "m 1\n"};
    return {404, "text/plain", "no\n"};
  }));
  ASSERT_GT(s.port(), 0);
  const std::string ok = ask(s.port(), "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(ok.substr(0, 15), "HTTP/1.0 200 OK");
  EXPECT_NE(ok.find("Content-Length: 4\r\n"), std::string::npos) << ok;
  EXPECT_EQ(ok.substr(ok.size() - 8), "\r\n\r\nm 1\n") << ok;
  EXPECT_EQ(ask(s.port(), "GET /nope HTTP/1.0\r\n\r\n").substr(0, 12), "HTTP/1.0 404");
  EXPECT_EQ(ask(s.port(), "POST /metrics HTTP/1.0\r\n\r\n").substr(0, 12), "HTTP/1.0 405");
  EXPECT_EQ(ask(s.port(), "garbage\r\n\r\n").substr(0, 12), "HTTP/1.0 400");
  // A taken port is an error of the start, named.
  StatusServer again;
  auto taken = again.start("127.0.0.1:" + std::to_string(s.port()), [](const std::string&) { return HttpAnswer{}; });
  ASSERT_FALSE(taken);
  EXPECT_NE(taken.error().message.find("127.0.0.1:" + std::to_string(s.port())), std::string::npos);
  s.stop();
}

}  // namespace
}  // namespace netmod::http
