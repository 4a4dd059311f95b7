#include "dispatch.hpp"

#include <chrono>
#include <cmath>
#include <string>

#include "helix_auth.hpp"
#include "json.hpp"
#include "router.hpp"

namespace tcm {

namespace {

enum class Zone { kOAuth, kHelix, kControl, kOther };

Zone zone_of(const std::string &path) {
  if (starts_with(path, "/helix/")) return Zone::kHelix;
  if (starts_with(path, "/oauth2/")) return Zone::kOAuth;
  if (starts_with(path, "/_mock/")) return Zone::kControl;
  return Zone::kOther;
}

double epoch_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

Response error_for(Zone z, int status, const std::string &message) {
  return z == Zone::kOAuth ? oauth_error(status, message) : helix_error(status, message);
}

void set_rate_headers(Response &r, const RateLimiter::Verdict &v) {
  r.set_header("Ratelimit-Limit", std::to_string(v.limit));
  r.set_header("Ratelimit-Remaining", std::to_string(v.remaining));
  r.set_header("Ratelimit-Reset", std::to_string(v.reset_epoch));
}

// Answer for an injected failure; scripted 429s may override the headers a
// client uses to decide how long to wait.
Response injected(State &st, Zone z, const FaultDecision &f, const RateLimiter::Verdict *v, double epoch) {
  Response r = error_for(z, f.status, reason_phrase(f.status));
  if (f.status >= 500) ++st.stats.faults_5xx;
  if (v) {
    RateLimiter::Verdict h = *v;
    if (f.status == 429) h.remaining = 0;  // look like an empty bucket unless told otherwise
    if (f.has_remaining) h.remaining = f.remaining;
    if (f.has_reset) h.reset_epoch = static_cast<long long>(std::ceil(epoch + f.reset_in_s));
    set_rate_headers(r, h);
  }
  return r;
}

FaultDecision next_fault(State &st) {
  return st.faults.next(st.cfg.fail_rate, st.cfg.drop_rate, st.cfg.drop_after_rate);
}

Outcome run_oauth(State &st, const Route &route, Ctx &ctx, double epoch) {
  Outcome out;
  FaultDecision f;
  if (st.cfg.faults_on_oauth) f = next_fault(st);
  if (f.kind == FaultDecision::kDrop) {
    out.drop = true;
  } else if (f.kind == FaultDecision::kFail) {
    out.response = injected(st, Zone::kOAuth, f, nullptr, epoch);
  } else {
    out.response = route.handler(ctx);
    out.drop = f.kind == FaultDecision::kDropAfter;
  }
  return out;
}

Outcome run_helix(State &st, const Route &route, Ctx &ctx, double epoch) {
  Outcome out;
  Response err;
  if (!helix_authenticate(st, ctx.rq, ctx.now, &ctx.client_id, &err)) {
    out.response = err;
    return out;
  }
  RateLimiter::Verdict v = st.limiter.charge(ctx.client_id, ctx.now, epoch);
  if (!v.allowed) {
    out.response = helix_error(429, "Too Many Requests");
    set_rate_headers(out.response, v);
    return out;
  }
  FaultDecision f = next_fault(st);
  if (f.kind == FaultDecision::kDrop) {
    out.drop = true;
  } else if (f.kind == FaultDecision::kFail) {
    out.response = injected(st, Zone::kHelix, f, &v, epoch);
  } else {
    out.response = route.handler(ctx);  // state changes happen even if we drop below
    set_rate_headers(out.response, v);
    out.drop = f.kind == FaultDecision::kDropAfter;
  }
  return out;
}

void tally(State &st, const Outcome &out) {
  if (out.drop) {
    ++st.stats.drops;
  } else if (out.response.status == 401) {
    ++st.stats.unauthorized;
  } else if (out.response.status == 429) {
    ++st.stats.rate_limited;
  }
}

}  // namespace

Outcome dispatch(State &st, const Request &rq, bool may_park) {
  std::unique_lock<std::mutex> lock(st.mu);
  Ctx ctx{st, rq, std::string(), Clock::now(), nullptr};
  double epoch = epoch_now();
  Zone zone = zone_of(rq.path);
  if (zone != Zone::kControl) ++st.stats.requests_total;
  if (zone == Zone::kHelix) ++st.stats.helix_requests;

  Outcome out;
  const Route *route = nullptr;
  switch (find_route(rq.method, rq.path, &route)) {
    case Match::kNotFound:
      out.response = error_for(zone, 404, "Not Found");
      break;
    case Match::kWrongMethod:
      out.response = error_for(zone, 405, "Method Not Allowed");
      break;
    case Match::kFound:
      if (route->counter) ++(st.stats.*(route->counter));
      if (route->area == Area::kControl) {
        out.response = route->handler(ctx);
        if (ctx.parked && may_park) {
          out.parked = std::move(ctx.parked);
        } else if (ctx.parked) {
          // The caller has a thread to spare: wait here, State::mu released.
          ++st.ws.waiters;
          st.wake.wait(lock, [&] { return ctx.parked->ready(); });
          --st.ws.waiters;
          out.response = ctx.parked->finish();
        }
        return out;
      }
      out = route->area == Area::kHelix ? run_helix(st, *route, ctx, epoch) : run_oauth(st, *route, ctx, epoch);
      break;
  }
  if (zone != Zone::kControl) tally(st, out);
  return out;
}

long latency_ms_for(State &st, const Request &rq) {
  if (zone_of(rq.path) == Zone::kControl) return 0;
  std::lock_guard<std::mutex> lock(st.mu);
  return st.cfg.latency_ms;
}

Response body_too_large(State &st, const Request &rq) {
  Zone zone = zone_of(rq.path);
  std::lock_guard<std::mutex> lock(st.mu);
  if (zone != Zone::kControl) ++st.stats.requests_total;
  if (zone == Zone::kHelix) ++st.stats.helix_requests;
  return error_for(zone, 413, "Request body too large");
}

}  // namespace tcm
