// The route table: method + exact path -> handler. A new endpoint is one
// declaration in handlers.hpp and one line in router.cpp.
#pragma once

#include <string>

#include "http.hpp"
#include "state.hpp"

namespace tcm {

// Which pipeline a route runs through (see dispatch.cpp).
enum class Area { kOAuth, kHelix, kControl };

// What a handler gets. It runs with State::mu held.
struct Ctx {
  State &st;
  const Request &rq;
  std::string client_id;  // the authenticated client for Helix routes
  Clock::time_point now;
  // The dispatcher's hold on State::mu, for handlers that must wait with it
  // released (st.wake.wait(*lock, ...)); null only outside dispatch.
  std::unique_lock<std::mutex> *lock = nullptr;
};

using Handler = Response (*)(Ctx &);

struct Route {
  const char *method;
  const char *path;
  Area area;
  Handler handler;
  long Stats::*counter;  // per-endpoint counter, or nullptr
};

enum class Match { kFound, kWrongMethod, kNotFound };

Match find_route(const std::string &method, const std::string &path, const Route **out);

}  // namespace tcm
