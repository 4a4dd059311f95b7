// Requests whose answer waits, held without a thread each: injected latency
// (a deadline) and parked control calls (router.hpp: Parked). The server
// suspends such a connection and hands it here; ONE thread waits on
// State::wake (State::mu held) until the earliest deadline, settles what is
// due and calls `resume` for it. Stopping the mock makes everything due.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <thread>
#include <vector>

#include "router.hpp"
#include "state.hpp"

namespace tcm {

class ParkingLot {
 public:
  using Resume = void (*)(void *conn);

  ParkingLot(State &st, Resume resume) : st_(st), resume_(resume) {}
  ~ParkingLot() { stop(); }
  ParkingLot(const ParkingLot &) = delete;
  ParkingLot &operator=(const ParkingLot &) = delete;

  void start();  // State::stopping must be false
  // Joins the thread once State::stopping is set and everything was resumed.
  void stop();

  // Both need State::mu held and return false when the mock is stopping
  // (nothing was taken; the caller resumes `conn` itself).
  // resume(conn) at `at`.
  bool delay(void *conn, Clock::time_point at);
  // *answer = parked->finish(), then resume(conn), once parked->ready().
  bool park(void *conn, std::shared_ptr<Parked> parked, Response *answer);

 private:
  struct Timer {
    Clock::time_point at;
    std::uint64_t seq;  // first in, first out among equal deadlines
    void *conn;
    bool operator>(const Timer &o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct Waiter {
    void *conn;
    std::shared_ptr<Parked> parked;
    Response *answer;
  };

  void run();
  // Moves what is due into due_; needs State::mu.
  void collect_due(Clock::time_point now);

  State &st_;
  Resume resume_;
  std::thread thread_;
  bool running_ = false;  // guarded by State::mu
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::vector<Waiter> waiters_;
  std::vector<void *> due_;
  std::uint64_t seq_ = 0;
  Clock::time_point sleeping_until_ = Clock::time_point::max();
};

}  // namespace tcm
