#include <CLI/CLI.hpp>

#include "cli/context.hpp"

namespace netmod::cli {

void add_star_commands(CLI::App& /*app*/, Context& /*ctx*/, int& /*exit_code*/) {}

}  // namespace netmod::cli
