// Fault decisions. Scripted faults (a FIFO) win over random ones; random ones
// come from one seeded std::mt19937_64 so a single-threaded run replays
// exactly. Not thread-safe on its own: State::mu guards it.
#pragma once

#include <cstdint>
#include <deque>
#include <random>

namespace tcm {

struct FaultDecision {
  enum Kind { kNone, kFail, kDrop, kDropAfter };
  Kind kind = kNone;
  int status = 0;                  // for kFail
  bool has_remaining = false;      // Ratelimit-Remaining override (scripted)
  long remaining = 0;
  bool has_reset = false;          // Ratelimit-Reset = now + reset_in_s (scripted)
  double reset_in_s = 0;
};

class Faults {
 public:
  explicit Faults(std::uint64_t seed) : rng_(seed) {}

  void reseed(std::uint64_t seed) { rng_.seed(seed); }

  // The next `count` requests get `what` (queued behind earlier scripts).
  void script(long count, const FaultDecision &what);
  void clear_script() { script_.clear(); }
  std::size_t scripted_pending() const { return script_.size(); }

  FaultDecision next(double fail_rate, double drop_rate, double drop_after_rate);

 private:
  // 53 random bits -> [0,1); spelled out because uniform_real_distribution
  // differs between standard libraries and runs must replay everywhere.
  double uniform() { return static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0); }

  struct Entry {
    long left;
    FaultDecision what;
  };

  std::mt19937_64 rng_;
  std::deque<Entry> script_;
};

}  // namespace tcm
