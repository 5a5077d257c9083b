#pragma once
// The chat server's handler: answers with the engine's responder on knowledge loaded from a folder,
// and reloads that knowledge on request (SIGHUP) or when its files change. A reload that fails
// keeps the running knowledge; one that succeeds is used by every question that arrives after
// it, while answers already being computed finish on the knowledge they started with (each ask
// holds its own shared_ptr to it).
//
// Thread-safety: ask(), hello(), health() and write_metrics() may be called from any number of
// threads, concurrently with reload() and poll(), which are serialized among themselves.

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "advisor/engine/responder.hpp"
#include "advisor/transport/handler.hpp"

namespace advisor::app {

class engine_handler final : public transport::handler {
 public:
  // Loads nothing yet: call reload() once and check it before serving.
  engine_handler(std::filesystem::path knowledge_dir, std::shared_ptr<spdlog::logger> log);

  // Reads and compiles the knowledge folder. On success the new knowledge answers from now on and
  // the result is empty; on failure every diagnostic is logged (file:line:col) and returned, and
  // the knowledge already loaded (if any) stays. Complexity: that of compiling the knowledge.
  std::vector<engine::diagnostic> reload();

  // Reloads when a knowledge file was added, removed or changed (mtime or size) and has stayed
  // the same since the previous call: call it at a steady interval (e.g. every second). A failed
  // reload is not retried until the files change again. Returns whether it reloaded.
  bool poll();

  // A short hash of the knowledge's text ("" before the first load).
  std::string version() const;

  nlohmann::json hello() override;
  nlohmann::json ask(const transport::question& q) override;
  nlohmann::json health() override;
  void write_metrics(std::string& out) override;

 private:
  struct knowledge {
    knowledge(std::shared_ptr<const engine::rule_base> base, std::string v);
    engine::responder responder;
    std::string version;
    std::chrono::system_clock::time_point loaded_at;
    nlohmann::json hello;
  };

  std::string fingerprint() const;

  const std::filesystem::path dir_;
  const std::shared_ptr<spdlog::logger> log_;
  std::atomic<std::shared_ptr<const knowledge>> current_;

  std::mutex reload_mutex_;  // one reload at a time
  std::string loaded_fingerprint_;
  std::string pending_fingerprint_;

  std::atomic<std::uint64_t> reloads_ok_{0};
  std::atomic<std::uint64_t> reloads_failed_{0};
  std::atomic<std::uint64_t> fallbacks_{0};
  std::atomic<std::uint64_t> clarifications_{0};
  std::mutex topics_mutex_;
  std::map<std::string, std::uint64_t> answers_by_topic_;  // topics come from the knowledge: bounded
};

}  // namespace advisor::app
