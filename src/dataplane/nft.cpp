#include "dataplane/nft.hpp"

#include <nftables/libnftables.h>

#include <utility>

namespace netmod::dataplane {

Result<Nft> Nft::open() {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) return make_error(Errc::io, "cannot create an nftables context");
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  return Nft(ctx);
}

Nft::Nft(Nft&& o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)) {}

Nft& Nft::operator=(Nft&& o) noexcept {
  if (this != &o) {
    if (ctx_) nft_ctx_free(ctx_);
    ctx_ = std::exchange(o.ctx_, nullptr);
  }
  return *this;
}

Nft::~Nft() {
  if (ctx_) nft_ctx_free(ctx_);
}

Result<std::string> Nft::run_json(const std::string& command) {
  unsigned flags = nft_ctx_output_get_flags(ctx_);
  nft_ctx_output_set_flags(ctx_, flags | NFT_CTX_OUTPUT_JSON);
  auto r = run(command);
  nft_ctx_output_set_flags(ctx_, flags);
  return r;
}

Result<std::string> Nft::run(const std::string& commands) {
  int rc = nft_run_cmd_from_buffer(ctx_, commands.c_str());
  std::string out = nft_ctx_get_output_buffer(ctx_);
  std::string err = nft_ctx_get_error_buffer(ctx_);
  if (rc == 0) return out;
  while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
  Errc code = err.find("No such file or directory") != std::string::npos ? Errc::not_found : Errc::io;
  // nft repeats the offending command under its message; the first line says why.
  return make_error(code, "nftables: " + err);
}

}  // namespace netmod::dataplane
