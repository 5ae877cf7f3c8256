// A minimal HTTP/1.0 responder (the agent's /metrics and /healthz, the
// star probe and collector): one
// thread, one request per connection, GET only. Written here rather than
// taken from cpp-httplib: Debian builds that as a shared library linking
// OpenSSL, brotli and zlib, and netmod is one binary whose every plugin
// call would then map them (process start is most of a CNI ADD's time).
#pragma once

#include <functional>
#include <string>
#include <thread>

#include "common/result.hpp"
#include "dataplane/fd.hpp"

namespace netmod::http {

struct HttpAnswer {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
};

class StatusServer {
 public:
  using Handler = std::function<HttpAnswer(const std::string& path)>;
  StatusServer() = default;
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  // Listens on "host:port" ("[v6]:port"; port 0: any) before returning.
  Result<void> start(const std::string& address, Handler handler);
  void stop();
  int port() const { return port_; }

 private:
  void serve();
  dataplane::UniqueFd listener_;
  dataplane::UniqueFd stop_event_;
  Handler handler_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace netmod::http
