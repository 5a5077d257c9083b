// Answer latency with the shipped knowledge: understanding + rules + composing, in process.
// Reads the visitor lines of the knowledge's conversation tests (real questions, each answered
// with the context of the turn before, as in a conversation), answers every one many times, and
// prints the latency distribution and the ratio to the 20 µs bar.
//
// Usage: answer_latency KNOWLEDGE_DIR [ROUNDS]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "advisor/engine/conversation_test.hpp"
#include "advisor/engine/responder.hpp"
#include "advisor/loader/knowledge_dir.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
using advisor::engine::conversation_context;

struct turn {
  std::string text;
  conversation_context context;  // what the previous turn returned
};

double micros(clock_type::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s KNOWLEDGE_DIR [ROUNDS]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 200;

  auto t0 = clock_type::now();
  auto base = advisor::loader::load_knowledge_dir(dir);
  auto load_time = clock_type::now() - t0;
  if (!base) {
    std::fprintf(stderr, "%s", advisor::engine::to_string(base.errors()).c_str());
    return 1;
  }
  advisor::engine::responder r(*base);

  std::vector<turn> turns;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "tests")) {
    if (entry.path().extension() != ".test") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = advisor::engine::parse_conversations(entry.path().string(), text.str());
    if (!parsed) continue;
    for (const auto& c : *parsed) {
      conversation_context context;
      for (const auto& t : c.turns) {
        turns.push_back({t.visitor, context});
        context = r.ask(t.visitor, context).context;
      }
    }
  }
  if (turns.empty()) {
    std::fprintf(stderr, "no conversation tests under %s/tests\n", dir.c_str());
    return 1;
  }

  std::vector<double> samples;
  samples.reserve(turns.size() * static_cast<std::size_t>(rounds));
  std::size_t checksum = 0;
  for (int round = 0; round < rounds; ++round) {
    for (const auto& t : turns) {
      auto start = clock_type::now();
      auto a = r.ask(t.text, t.context);
      samples.push_back(micros(clock_type::now() - start));
      checksum += a.topics.size();
    }
  }
  std::sort(samples.begin(), samples.end());
  auto pct = [&](double p) { return samples[static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1))]; };
  double total = 0;
  for (double s : samples) total += s;
  std::printf("answers: %zu (%zu questions x %d rounds), topics checksum %zu\n", samples.size(), turns.size(), rounds,
              checksum);
  std::printf("knowledge load (in process): %.1f ms\n", micros(load_time) / 1000.0);
  std::printf("latency us: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  mean %.2f\n", pct(0.5), pct(0.9), pct(0.99),
              samples.back(), total / static_cast<double>(samples.size()));
  std::printf("answers per second (one thread): %.0f\n", 1e6 * static_cast<double>(samples.size()) / total);
  std::printf("ANSWER p50 / 20 us bar: %.2f\n", pct(0.5) / 20.0);
  return 0;
}
