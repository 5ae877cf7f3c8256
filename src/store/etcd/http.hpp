// A small HTTP/1.1 client for etcd's JSON gateway, over libcurl loaded at
// run time: a plugin call that uses the embedded store never maps libcurl
// and its ~30 libraries (process start is most of a CNI ADD's time,
// docs/benchmarks.md), and a host without libcurl gets a clear error only
// when etcd is configured.
//
// One client keeps one connection alive per endpoint it talks to and is
// safe to share between threads (one request at a time; a stream has its
// own connection). Endpoints are tried in turn, starting with the one that
// last answered; a request that no endpoint answers within the timeout is
// Errc::unavailable naming every endpoint and what went wrong.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace netmod::store::etcd {

struct HttpOptions {
  std::vector<std::string> endpoints;  // "http://127.0.0.1:2379", "https://..."
  std::string ca_file;                 // TLS: the CA that signed the server's certificate
  std::string cert_file;               // TLS: the client's certificate and key
  std::string key_file;
  std::chrono::milliseconds timeout{5000};  // a whole request, per endpoint tried
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

class HttpClient {
 public:
  // Loads libcurl (once per process) and checks the TLS files are readable.
  static Result<std::unique_ptr<HttpClient>> create(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` (JSON) to `path` ("/v3/kv/range").
  Result<HttpResponse> post(std::string_view path, std::string_view body);

  // POSTs and reads the answer as a stream, handing each complete line to
  // `on_line` until it returns false, the server ends the stream, or
  // `max_time` has passed (not an error: the stream is cut). Returns the
  // HTTP status; a non-200 status's body is in `error_body`.
  Result<long> stream(std::string_view path, std::string_view body, std::chrono::milliseconds max_time,
                      const std::function<bool(std::string_view line)>& on_line, std::string* error_body);

  const HttpOptions& options() const { return options_; }

 private:
  explicit HttpClient(HttpOptions options);
  struct Handle;
  Result<HttpResponse> post_to(Handle& h, const std::string& url, std::string_view body);

  HttpOptions options_;
  std::mutex mu_;  // guards handle_ and preferred_
  std::unique_ptr<Handle> handle_;
  size_t preferred_ = 0;
};

}  // namespace netmod::store::etcd
