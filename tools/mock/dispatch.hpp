// The request pipeline, independent of the HTTP library:
//   OAuth:   [faults if faults_on_oauth] -> handler -> [drop after]
//   Helix:   auth -> rate limit -> faults -> handler -> [drop after]
//   Control: handler
// Latency is applied by the caller (server.cpp) before dispatch, outside the lock.
// A control handler that waits for another thread parks (router.hpp: Parked).
#pragma once

#include <cstddef>
#include <memory>

#include "http.hpp"
#include "router.hpp"
#include "state.hpp"

namespace tcm {

constexpr std::size_t kMaxBodyBytes = 1u << 20;  // larger bodies get 413

struct Outcome {
  bool drop = false;  // close the connection instead of answering
  Response response;
  // Set only with may_park: answer parked->finish() once parked->ready()
  // holds (both with State::mu held), re-checked on every State::wake.
  std::shared_ptr<Parked> parked;
};

// Without may_park, a parked answer is waited for here, on the caller's thread.
Outcome dispatch(State &st, const Request &rq, bool may_park = false);

// How long to hold `rq` before answering: config latency, never for /_mock.
long latency_ms_for(State &st, const Request &rq);

// The 413 answer for a body over kMaxBodyBytes, counted like any request.
Response body_too_large(State &st, const Request &rq);

}  // namespace tcm
