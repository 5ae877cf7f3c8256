#include "etcd_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

namespace netmod::testing {

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::perror("free_port");
    std::abort();
  }
  close(fd);
  return ntohs(a.sin_port);
}

namespace {

// etcd's GET /health says {"health":"true"} once the member has elected
// itself and can serve requests.
bool healthy(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  std::string answer;
  if (ok) {
    const char req[] = "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    ok = write(fd, req, sizeof req - 1) == static_cast<ssize_t>(sizeof req - 1);
    char buf[512];
    for (ssize_t n; ok && (n = read(fd, buf, sizeof buf)) > 0;) answer.append(buf, n);
  }
  close(fd);
  return answer.find("\"health\":\"true\"") != std::string::npos;
}

}  // namespace

EtcdServer::EtcdServer() : EtcdServer(Options{}) {}

EtcdServer::EtcdServer(Options options) : options_(std::move(options)) {
  char tmpl[] = "/dev/shm/netmod-etcd-XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    std::abort();
  }
  dir_ = tmpl;
  client_port_ = free_port();
  peer_port_ = free_port();
  endpoint_ = options_.scheme + "://127.0.0.1:" + std::to_string(client_port_);
  start();
}

void EtcdServer::start() {
  const std::string client = endpoint_;
  const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
  std::vector<std::string> argv = {"etcd",
                                   "--name", "t",
                                   "--data-dir", dir_ + "/data",
                                   "--listen-client-urls", client,
                                   "--advertise-client-urls", client,
                                   "--listen-peer-urls", peer,
                                   "--initial-advertise-peer-urls", peer,
                                   "--initial-cluster", "t=" + peer,
                                   "--max-txn-ops", "10000",
                                   "--logger", "zap",
                                   "--log-outputs", dir_ + "/etcd.log",
                                   "--log-level", "error"};
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    std::vector<char*> args;
    for (auto& s : argv) args.push_back(s.data());
    args.push_back(nullptr);
    execvp("etcd", args.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (options_.scheme != "http" || !healthy(client_port_)) {
    if (options_.scheme != "http") {  // TLS: a plain probe cannot ask; the caller waits for an answer
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      break;
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      std::fprintf(stderr, "etcd exited at start (is etcd-server installed?); log in %s/etcd.log\n", dir_.c_str());
      std::abort();
    }
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "etcd did not answer within 20 s\n");
      std::abort();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void EtcdServer::stop() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

EtcdServer::~EtcdServer() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace netmod::testing
