#include "store/etcd/http.hpp"

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>

namespace netmod::store::etcd {

namespace {

// The part of libcurl's API netmod calls, resolved with dlsym.
struct CurlApi {
  CURLcode (*global_init)(long) = nullptr;
  CURL* (*easy_init)() = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
};

// Loaded once per process and never unloaded (libcurl's global state).
Result<const CurlApi*> curl_api() {
  static CurlApi api;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
    void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* e = dlerror();
      failure = std::string("libcurl is needed for the etcd datastore (Debian: libcurl4): ") + (e ? e : "not found");
      return;
    }
    bool all = true;
    auto bind = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, name));
      all = all && fn != nullptr;
    };
    bind(api.global_init, "curl_global_init");
    bind(api.easy_init, "curl_easy_init");
    bind(api.easy_setopt, "curl_easy_setopt");
    bind(api.easy_perform, "curl_easy_perform");
    bind(api.easy_getinfo, "curl_easy_getinfo");
    bind(api.easy_cleanup, "curl_easy_cleanup");
    bind(api.easy_strerror, "curl_easy_strerror");
    bind(api.slist_append, "curl_slist_append");
    bind(api.slist_free_all, "curl_slist_free_all");
    if (!all) {
      failure = "libcurl.so.4 lacks a function netmod needs";
      return;
    }
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) failure = "libcurl failed to initialise";
  });
  if (!failure.empty()) return make_error(Errc::unavailable, failure);
  return &api;
}

bool transport_failure(CURLcode c) { return c != CURLE_OK && c != CURLE_WRITE_ERROR; }

}  // namespace

// One easy handle: its connection cache keeps a connection alive per host.
struct HttpClient::Handle {
  const CurlApi* api = nullptr;
  CURL* curl = nullptr;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};

  Handle(const CurlApi* a, const HttpOptions& o) : api(a), curl(a->easy_init()) {
    if (!curl) return;
    headers = api->slist_append(nullptr, "Content-Type: application/json");
    headers = api->slist_append(headers, "Expect:");  // no 100-continue round trip
    api->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    api->easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    api->easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    api->easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
    api->easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    api->easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    api->easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<int64_t>(o.timeout.count(), 2000)));
    if (!o.ca_file.empty()) api->easy_setopt(curl, CURLOPT_CAINFO, o.ca_file.c_str());
    if (!o.cert_file.empty()) api->easy_setopt(curl, CURLOPT_SSLCERT, o.cert_file.c_str());
    if (!o.key_file.empty()) api->easy_setopt(curl, CURLOPT_SSLKEY, o.key_file.c_str());
  }
  ~Handle() {
    if (curl) api->easy_cleanup(curl);
    if (headers) api->slist_free_all(headers);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  std::string describe(CURLcode c) const {
    std::string s = api->easy_strerror(c);
    if (error[0]) s += std::string(" (") + error + ")";
    return s;
  }
};

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::create(HttpOptions options) {
  if (options.endpoints.empty()) return make_error(Errc::invalid_argument, "etcd: no endpoints");
  for (const auto* f : {&options.ca_file, &options.cert_file, &options.key_file}) {
    if (!f->empty() && access(f->c_str(), R_OK) != 0) return sys_error("etcd TLS file " + *f);
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return make_error(Errc::invalid_argument, "etcd TLS: a client certificate needs its key, and a key its certificate");
  }
  NETMOD_ASSIGN_OR_RETURN(const CurlApi* api, curl_api());
  std::unique_ptr<HttpClient> c(new HttpClient(std::move(options)));
  c->handle_ = std::make_unique<Handle>(api, c->options_);
  if (!c->handle_->curl) return make_error(Errc::unavailable, "libcurl: cannot make a handle");
  return c;
}

namespace {

size_t append_body(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

Result<HttpResponse> HttpClient::post_to(Handle& h, const std::string& url, std::string_view body) {
  const CurlApi& api = *h.api;
  HttpResponse r;
  h.error[0] = '\0';
  api.easy_setopt(h.curl, CURLOPT_URL, url.c_str());
  api.easy_setopt(h.curl, CURLOPT_POST, 1L);
  api.easy_setopt(h.curl, CURLOPT_POSTFIELDS, body.data());
  api.easy_setopt(h.curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  api.easy_setopt(h.curl, CURLOPT_WRITEFUNCTION, &append_body);
  api.easy_setopt(h.curl, CURLOPT_WRITEDATA, &r.body);
  api.easy_setopt(h.curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  CURLcode c = api.easy_perform(h.curl);
  if (c != CURLE_OK) return make_error(Errc::unavailable, url + ": " + h.describe(c));
  api.easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

Result<HttpResponse> HttpClient::post(std::string_view path, std::string_view body) {
  std::lock_guard lock(mu_);
  std::string failures;
  const size_t n = options_.endpoints.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t at = (preferred_ + i) % n;
    auto r = post_to(*handle_, options_.endpoints[at] + std::string(path), body);
    if (r) {
      preferred_ = at;
      return r;
    }
    failures += (failures.empty() ? "" : "; ") + r.error().message;
  }
  return make_error(Errc::unavailable, "etcd unreachable: " + failures);
}

namespace {

struct StreamState {
  std::string buffer;
  std::string body;  // of a non-200 answer
  const std::function<bool(std::string_view)>* on_line = nullptr;
  CURL* curl = nullptr;
  const CurlApi* api = nullptr;
  bool stopped = false;
};

size_t stream_chunk(char* data, size_t size, size_t n, void* p) {
  auto* s = static_cast<StreamState*>(p);
  long status = 0;
  s->api->easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    s->body.append(data, size * n);
    return size * n;
  }
  s->buffer.append(data, size * n);
  size_t start = 0;
  for (size_t nl; (nl = s->buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line(s->buffer.data() + start, nl - start);
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
    if (!(*s->on_line)(line)) {
      s->stopped = true;
      return 0;  // ends the transfer (CURLE_WRITE_ERROR)
    }
  }
  s->buffer.erase(0, start);
  return size * n;
}

}  // namespace

Result<long> HttpClient::stream(std::string_view path, std::string_view body, std::chrono::milliseconds max_time,
                                const std::function<bool(std::string_view)>& on_line, std::string* error_body) {
  size_t first;
  {
    std::lock_guard lock(mu_);
    first = preferred_;
  }
  NETMOD_ASSIGN_OR_RETURN(const CurlApi* api, curl_api());
  std::string failures;
  const size_t n = options_.endpoints.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t at = (first + i) % n;
    Handle h(api, options_);
    if (!h.curl) return make_error(Errc::unavailable, "libcurl: cannot make a handle");
    const std::string url = options_.endpoints[at] + std::string(path);
    StreamState s;
    s.on_line = &on_line;
    s.curl = h.curl;
    s.api = api;
    api->easy_setopt(h.curl, CURLOPT_URL, url.c_str());
    api->easy_setopt(h.curl, CURLOPT_POST, 1L);
    api->easy_setopt(h.curl, CURLOPT_POSTFIELDS, body.data());
    api->easy_setopt(h.curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    api->easy_setopt(h.curl, CURLOPT_WRITEFUNCTION, &stream_chunk);
    api->easy_setopt(h.curl, CURLOPT_WRITEDATA, &s);
    api->easy_setopt(h.curl, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(max_time.count(), 1)));
    CURLcode c = api->easy_perform(h.curl);
    long status = 0;
    api->easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &status);
    // Cut by the caller or by max_time after the server answered: a
    // normal end of a long poll.
    if (status != 0 && (c == CURLE_OK || s.stopped || c == CURLE_OPERATION_TIMEDOUT)) {
      if (status != 200 && error_body) *error_body = std::move(s.body);
      std::lock_guard lock(mu_);
      preferred_ = at;
      return status;
    }
    if (!transport_failure(c)) return status;
    failures += (failures.empty() ? "" : "; ") + url + ": " + h.describe(c);
  }
  return make_error(Errc::unavailable, "etcd unreachable: " + failures);
}

}  // namespace netmod::store::etcd
