#pragma once
// A token bucket: `rate` tokens a second, at most `burst` saved. Not thread-safe: one per
// connection, used on that connection's strand.

#include <algorithm>
#include <chrono>

namespace advisor::transport {

class token_bucket {
 public:
  using clock = std::chrono::steady_clock;

  token_bucket(double rate, double burst, clock::time_point now = clock::now())
      : rate_(rate), burst_(std::max(1.0, burst)), tokens_(burst_), last_(now) {}

  // Takes one token if there is one. Complexity: constant.
  bool take(clock::time_point now = clock::now()) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    if (elapsed > 0) {
      tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
      last_ = now;
    }
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_;
};

}  // namespace advisor::transport
