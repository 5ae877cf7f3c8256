// Where the probe and the collector listen (--listen): ":9000" is every
// address of the task, IPv6 and IPv4 on one dual-stack socket, or IPv4
// alone where the kernel has no IPv6; "HOST:PORT" and "[V6]:PORT" are one
// address.
#pragma once

#include <string>

#include "common/result.hpp"
#include "http/server.hpp"

namespace netmod::star {

// Starts `server` on `listen` with `handler`; the address it listens on
// ("[::]:9000", "0.0.0.0:9000", "127.0.0.1:9000"), or an error naming
// `listen` (a taken port, not an address, no port).
Result<std::string> listen_on(http::StatusServer& server, const std::string& listen,
                              http::StatusServer::Handler handler);

}  // namespace netmod::star
