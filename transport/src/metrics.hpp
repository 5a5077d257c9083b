#pragma once
// The server's own counters and the answer-latency histogram, rendered in Prometheus text format
// (version 0.0.4). Lock-free: every member is an atomic, updated from any thread.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace advisor::transport {

class metrics {
 public:
  // Upper bounds of the latency buckets, in seconds (the +Inf bucket is implied).
  static constexpr std::array<double, 12> latency_bounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                            0.01,   0.025,   0.05,   0.1,   0.25,   1.0};

  std::atomic<std::uint64_t> connections_open{0};
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> connections_rejected{0};  // over max_connections or the per-IP limit
  std::atomic<std::uint64_t> websockets_open{0};
  std::atomic<std::uint64_t> websockets_total{0};
  std::atomic<std::uint64_t> sessions_destroyed{0};
  std::atomic<std::uint64_t> http_requests{0};
  std::atomic<std::uint64_t> forbidden_origins{0};
  std::atomic<std::uint64_t> questions{0};
  std::atomic<std::uint64_t> answers{0};
  std::atomic<std::uint64_t> clients_dropped{0};  // write queue over its limit

  // Counts an error frame by its code (bad_json, too_long, ...).
  void count_error(std::string_view code);

  void observe_latency(std::chrono::steady_clock::duration d);

  // Appends every metric, with HELP and TYPE lines, to `out`.
  void write(std::string& out) const;

 private:
  std::array<std::atomic<std::uint64_t>, latency_bounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> latency_sum_ns_{0};
  mutable std::mutex errors_mutex_;
  std::map<std::string, std::uint64_t, std::less<>> errors_;  // a few fixed codes: stays small
};

}  // namespace advisor::transport
