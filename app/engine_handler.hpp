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
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "advisor/engine/responder.hpp"
#include "advisor/transport/handler.hpp"
#include "answer_cache.hpp"

namespace advisor::app {

// One answered question, as the conversation log sees it. The views last for the call only.
struct answered {
  std::string_view question;  // normalized: as the engine read it
  const std::vector<std::string>& topics;
  double confidence;
  bool fallback;  // no rule matched
  std::string_view knowledge_version;
  std::string_view conversation;  // the random id the conversation's context carries
};

struct engine_handler_options {
  // Finished answers kept per loaded knowledge (0: no cache). See answer_cache.hpp.
  std::size_t answer_cache_entries = 4096;
};

class engine_handler final : public transport::handler {
 public:
  // Loads nothing yet: call reload() once and check it before serving.
  engine_handler(std::filesystem::path knowledge_dir, std::shared_ptr<spdlog::logger> log,
                 engine_handler_options options = {});

  // Called after every answer, on the answering thread: it must be quick and must not throw (the
  // conversation log only queues a record). Set it before serving.
  void on_answer(std::function<void(const answered&)> observer) { observer_ = std::move(observer); }

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
  // The answer's members with the context carried over: {"text":...,"context":{...}}.
  std::string ask(const transport::question& q) override;
  nlohmann::json health() override;
  void write_metrics(std::string& out) override;

 private:
  struct knowledge {
    knowledge(std::shared_ptr<const engine::rule_base> base, std::string v, std::size_t cache_entries);
    engine::responder responder;
    std::string version;
    std::chrono::system_clock::time_point loaded_at;
    nlohmann::json hello;
    mutable answer_cache cache;
  };

  std::shared_ptr<const cached_answer> answer(const knowledge& k, const transport::question& q,
                                              const engine::conversation_context& context);
  void count(const cached_answer& a);
  std::atomic<std::uint64_t>* topic_counter(const std::string& topic);

  std::string fingerprint() const;

  const std::filesystem::path dir_;
  const std::shared_ptr<spdlog::logger> log_;
  const engine_handler_options options_;
  std::function<void(const answered&)> observer_;
  std::atomic<std::shared_ptr<const knowledge>> current_;

  std::mutex reload_mutex_;  // one reload at a time
  std::string loaded_fingerprint_;
  std::string pending_fingerprint_;

  std::atomic<std::uint64_t> reloads_ok_{0};
  std::atomic<std::uint64_t> reloads_failed_{0};
  std::atomic<std::uint64_t> fallbacks_{0};
  std::atomic<std::uint64_t> clarifications_{0};
  std::atomic<std::uint64_t> cache_hits_{0};
  std::atomic<std::uint64_t> cache_misses_{0};
  // Topics come from the knowledge: bounded. Counters never move, so an answer keeps pointers to its
  // topics' and counts them without taking the mutex.
  std::mutex topics_mutex_;
  std::map<std::string, std::unique_ptr<std::atomic<std::uint64_t>>> answers_by_topic_;
};

}  // namespace advisor::app
