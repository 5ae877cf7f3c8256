// Connects to ADDR:PORT over TCP again and again (each attempt waits 2 ms
// at most) until a connection is made, then prints the CLOCK_REALTIME
// nanoseconds of that moment. Run in a task's namespace by
// bench/cluster.sh: how soon after a task's wiring returns on one host a
// task on another can reach it. Gives up after 10 s (exit 1).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

long long now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: connect_probe ADDR PORT\n");
    return 2;
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  const int port = std::atoi(argv[2]);
  if (inet_pton(AF_INET, argv[1], &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, argv[1], &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v6;
  } else {
    std::fprintf(stderr, "connect_probe: bad address %s\n", argv[1]);
    return 2;
  }
  const long long deadline = now_ns() + 10000000000LL;
  while (now_ns() < deadline) {
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return 1;
    int rc = connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, 2) == 1) {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
        rc = err == 0 ? 0 : -1;
      } else {
        rc = -1;
      }
    }
    close(fd);
    if (rc == 0) {
      std::printf("%lld\n", now_ns());
      return 0;
    }
    if (errno == ENETUNREACH || errno == EHOSTUNREACH) usleep(500);
  }
  return 1;
}
