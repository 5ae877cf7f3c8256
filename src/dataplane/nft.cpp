#include "dataplane/nft.hpp"

#include <dlfcn.h>
#include <nftables/libnftables.h>

#include <utility>

namespace netmod::dataplane {

namespace {

// libnftables and its dependencies (libnftnl, libjansson, libgmp,
// libxtables) are loaded on first use rather than linked: every plugin call
// is a new process, and the IPAM-only calls (allocate, release) would
// otherwise pay about 0.4 ms of dynamic loading for a library they never
// call (docs/benchmarks.md).
struct Api {
  decltype(&nft_ctx_new) ctx_new = nullptr;
  decltype(&nft_ctx_free) ctx_free = nullptr;
  decltype(&nft_ctx_buffer_output) buffer_output = nullptr;
  decltype(&nft_ctx_buffer_error) buffer_error = nullptr;
  decltype(&nft_ctx_get_output_buffer) get_output = nullptr;
  decltype(&nft_ctx_get_error_buffer) get_error = nullptr;
  decltype(&nft_run_cmd_from_buffer) run = nullptr;
  decltype(&nft_ctx_output_get_flags) get_flags = nullptr;
  decltype(&nft_ctx_output_set_flags) set_flags = nullptr;
};

Result<const Api*> api() {
  static Api a;
  static std::string error;
  static bool loaded = [] {
    void* h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      error = dlerror();
      return false;
    }
    auto sym = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
      if (!fn && error.empty()) error = std::string("libnftables has no ") + name;
    };
    sym(a.ctx_new, "nft_ctx_new");
    sym(a.ctx_free, "nft_ctx_free");
    sym(a.buffer_output, "nft_ctx_buffer_output");
    sym(a.buffer_error, "nft_ctx_buffer_error");
    sym(a.get_output, "nft_ctx_get_output_buffer");
    sym(a.get_error, "nft_ctx_get_error_buffer");
    sym(a.run, "nft_run_cmd_from_buffer");
    sym(a.get_flags, "nft_ctx_output_get_flags");
    sym(a.set_flags, "nft_ctx_output_set_flags");
    return error.empty();
  }();
  if (!loaded) return make_error(Errc::io, "cannot load libnftables: " + error);
  return &a;
}

}  // namespace

Result<Nft> Nft::open() {
  NETMOD_ASSIGN_OR_RETURN(const Api* a, api());
  nft_ctx* ctx = a->ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) return make_error(Errc::io, "cannot create an nftables context");
  a->buffer_output(ctx);
  a->buffer_error(ctx);
  return Nft(ctx);
}

Nft::Nft(Nft&& o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)) {}

Nft& Nft::operator=(Nft&& o) noexcept {
  if (this != &o) {
    if (ctx_) (*api())->ctx_free(ctx_);
    ctx_ = std::exchange(o.ctx_, nullptr);
  }
  return *this;
}

Nft::~Nft() {
  // A context exists only if the library loaded.
  if (ctx_) (*api())->ctx_free(ctx_);
}

Result<std::string> Nft::run_json(const std::string& command) {
  const Api* a = *api();
  unsigned flags = a->get_flags(ctx_);
  a->set_flags(ctx_, flags | NFT_CTX_OUTPUT_JSON);
  auto r = run(command);
  a->set_flags(ctx_, flags);
  return r;
}

Result<std::string> Nft::run(const std::string& commands) {
  const Api* a = *api();
  int rc = a->run(ctx_, commands.c_str());
  std::string out = a->get_output(ctx_);
  std::string err = a->get_error(ctx_);
  if (rc == 0) return out;
  while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
  Errc code = err.find("No such file or directory") != std::string::npos ? Errc::not_found : Errc::io;
  // nft repeats the offending command under its message; the first line says why.
  return make_error(code, "nftables: " + err);
}

}  // namespace netmod::dataplane
