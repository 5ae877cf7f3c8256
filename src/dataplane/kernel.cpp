#include "dataplane/kernel.hpp"

#include <mutex>
#include <optional>

#include "dataplane/nft.hpp"
#include "dataplane/sysctl.hpp"

namespace netmod::dataplane {

namespace {

class LinuxKernel final : public Kernel {
 public:
  Result<NetlinkSocket> open_socket(int protocol) override { return NetlinkSocket::open(protocol); }

  Result<NetlinkSocket> socket_in(const Netns& ns) override {
    std::optional<NetlinkSocket> sock;
    NETMOD_TRY(with_netns(ns, [&]() -> Result<void> {
      NETMOD_ASSIGN_OR_RETURN(NetlinkSocket s, NetlinkSocket::open());
      sock.emplace(std::move(s));
      return ok();
    }));
    return std::move(*sock);
  }

  Result<Netns> open_netns(const std::string& path) override { return Netns::open(path); }
  Result<Netns> current_netns() override { return Netns::current(); }

  Result<void> set_sysctl(const std::string& name, const std::string& value) override {
    return sysctl::set(name, value);
  }

  Result<void> run_nft(const std::string& commands) override {
    // libnftables is loaded, and its context made, by the first call that
    // needs nft syntax (most calls need none); one per process.
    std::lock_guard lock(mu_);
    if (!nft_) {
      NETMOD_ASSIGN_OR_RETURN(Nft n, Nft::open());
      nft_.emplace(std::move(n));
    }
    NETMOD_TRY(nft_->run(commands));
    return ok();
  }

 private:
  std::mutex mu_;
  std::optional<Nft> nft_;
};

}  // namespace

Kernel& linux_kernel() {
  static LinuxKernel k;
  return k;
}

}  // namespace netmod::dataplane
