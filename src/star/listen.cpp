#include "star/listen.hpp"

namespace netmod::star {

Result<std::string> listen_on(http::StatusServer& server, const std::string& listen,
                              http::StatusServer::Handler handler) {
  if (listen.empty() || listen.front() != ':') {
    if (auto r = server.start(listen, handler); !r) return std::move(r).error().with_context("--listen");
    return listen;
  }
  // Every address: dual stack first. Without IPv6 (ipv6.disable=1, a task
  // namespace without it) the IPv6 socket cannot be made or bound; IPv4
  // alone is then every address there is. A taken port fails both ways
  // and is reported from the IPv4 attempt, which names it as plainly.
  const std::string v6 = "[::]" + listen;
  if (server.start(v6, handler)) return v6;
  const std::string v4 = "0.0.0.0" + listen;
  if (auto r = server.start(v4, handler); !r) return std::move(r).error().with_context("--listen " + listen);
  return v4;
}

}  // namespace netmod::star
