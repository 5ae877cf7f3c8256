// libnftables in-process: a move-only context that runs one batch of
// commands as one nftables transaction (all or nothing, atomically visible
// to packets).
#pragma once

#include <string>

#include "common/result.hpp"

struct nft_ctx;

namespace netmod::dataplane {

class Nft {
 public:
  static Result<Nft> open();
  Nft(Nft&& o) noexcept;
  Nft& operator=(Nft&& o) noexcept;
  ~Nft();

  // Runs `commands` (nft syntax, one per line) as one transaction. On
  // failure nothing of it applies; the error carries nft's message.
  // Errc::not_found when nft reports that something does not exist.
  Result<std::string> run(const std::string& commands);
  // Runs a list command and returns nft's JSON output.
  Result<std::string> run_json(const std::string& command);

 private:
  explicit Nft(nft_ctx* ctx) : ctx_(ctx) {}
  nft_ctx* ctx_ = nullptr;
};

}  // namespace netmod::dataplane
