// Our transport with a handler that answers at once ({"text": the question}): what the chat
// server costs without the engine. bench/server-vs-echo runs it beside the bare Beast echo server,
// so the table separates the transport's overhead from the engine's.
//
// Usage: ws_transport_echo [--port N] [--threads N]   prints "listening on PORT" once it accepts.

#include <cstdio>
#include <cstdlib>
#include <string>

#include "advisor/transport/server.hpp"

namespace {

class echo_handler final : public advisor::transport::handler {
 public:
  nlohmann::json hello() override { return {{"version", "echo"}, {"suggestions", nlohmann::json::array()}}; }
  std::string ask(const advisor::transport::question& q) override { return nlohmann::json{{"text", q.text}}.dump(); }
};

}  // namespace

int main(int argc, char** argv) {
  advisor::transport::config cfg;
  cfg.port = 0;
  std::size_t threads = 0;
  // The same limits as the bench gives `advisor serve`.
  cfg.questions_per_second = 1e9;
  cfg.question_burst = 1e9;
  cfg.max_connections = 100000;
  cfg.max_connections_per_ip = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--port") cfg.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
    if (flag == "--threads") threads = static_cast<std::size_t>(std::max(1, std::atoi(argv[i + 1])));
  }
  echo_handler h;
  advisor::transport::server s(cfg, h);
  std::printf("listening on %u\n", s.port());
  std::fflush(stdout);
  s.run(threads);
}
