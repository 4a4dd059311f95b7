#include "faults.hpp"

namespace tcm {

void Faults::script(long count, const FaultDecision &what) {
  if (count > 0) script_.push_back(Entry{count, what});
}

FaultDecision Faults::next(double fail_rate, double drop_rate, double drop_after_rate) {
  if (!script_.empty()) {
    FaultDecision d = script_.front().what;
    if (--script_.front().left == 0) script_.pop_front();
    return d;
  }
  // No draw for a disabled kind: with every rate at 0 the PRNG is untouched,
  // and a run's sequence depends only on the rates that are on.
  FaultDecision d;
  if (drop_rate > 0 && uniform() < drop_rate) {
    d.kind = FaultDecision::kDrop;
  } else if (fail_rate > 0 && uniform() < fail_rate) {
    d.kind = FaultDecision::kFail;
    d.status = (rng_() & 1) ? 503 : 500;
  } else if (drop_after_rate > 0 && uniform() < drop_after_rate) {
    d.kind = FaultDecision::kDropAfter;
  }
  return d;
}

}  // namespace tcm
