// The route table: method + exact path -> handler. A new endpoint is one
// declaration in handlers.hpp and one line in router.cpp.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "http.hpp"
#include "state.hpp"

namespace tcm {

// Which pipeline a route runs through (see dispatch.cpp).
enum class Area { kOAuth, kHelix, kControl };

// An answer that waits for another thread (a delivery, a frame written).
// Handlers never block: whoever serves the request re-checks ready() each
// time State::wake is notified and answers finish() once it holds. Both run
// with State::mu held; ready() must hold once State::stopping is set.
struct Parked {
  std::function<bool()> ready;
  std::function<Response()> finish;
};

// What a handler gets. It runs with State::mu held.
struct Ctx {
  State &st;
  const Request &rq;
  std::string client_id;  // the authenticated client for Helix routes
  Clock::time_point now;
  std::shared_ptr<Parked> parked;  // set by park()

  // Returns a placeholder; the request is answered finish() once ready().
  Response park(std::function<bool()> ready, std::function<Response()> finish) {
    parked = std::make_shared<Parked>(Parked{std::move(ready), std::move(finish)});
    return Response();
  }
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
