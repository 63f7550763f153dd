// tallyhub: a real-time analytics server. See README.md and docs/operations.md.

#include "app/config.hpp"
#include "app/server.hpp"

int main(int argc, char** argv) {
    auto outcome = tallyhub::app::parse_config(argc, argv);
    if (outcome.exit_code) return *outcome.exit_code;
    return tallyhub::app::run_server(outcome.cfg);
}
