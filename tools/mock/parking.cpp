#include "parking.hpp"

#include <utility>

#include "json.hpp"

namespace tcm {

void ParkingLot::start() {
  std::lock_guard<std::mutex> lock(st_.mu);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void ParkingLot::stop() {
  {
    std::lock_guard<std::mutex> lock(st_.mu);
    if (!thread_.joinable()) return;
  }
  st_.wake.notify_all();
  thread_.join();
}

bool ParkingLot::delay(void *conn, Clock::time_point at) {
  if (st_.stopping || !running_) return false;
  timers_.push(Timer{at, seq_++, conn});
  if (at < sleeping_until_) st_.wake.notify_all();  // sooner than the thread planned to look
  return true;
}

bool ParkingLot::park(void *conn, std::shared_ptr<Parked> parked, Response *answer) {
  if (st_.stopping || !running_) {
    *answer = parked->finish();  // ready() holds once stopping
    return false;
  }
  waiters_.push_back(Waiter{conn, std::move(parked), answer});
  ++st_.ws.waiters;  // frame progress must notify State::wake
  st_.wake.notify_all();  // it may be ready already
  return true;
}

void ParkingLot::collect_due(Clock::time_point now) {
  while (!timers_.empty() && (st_.stopping || timers_.top().at <= now)) {
    due_.push_back(timers_.top().conn);
    timers_.pop();
  }
  for (std::size_t i = 0; i < waiters_.size();) {
    Waiter &w = waiters_[i];
    if (!st_.stopping && !w.parked->ready()) {
      ++i;
      continue;
    }
    try {
      *w.answer = w.parked->finish();
    } catch (...) {
      *w.answer = helix_error(500, "the mock could not build the answer");
    }
    --st_.ws.waiters;
    due_.push_back(w.conn);
    w = std::move(waiters_.back());
    waiters_.pop_back();
  }
}

void ParkingLot::run() {
  std::unique_lock<std::mutex> lock(st_.mu);
  std::vector<void *> resuming;
  for (;;) {
    collect_due(Clock::now());
    if (!due_.empty()) {
      resuming.swap(due_);
      lock.unlock();
      for (void *conn : resuming) resume_(conn);
      resuming.clear();
      lock.lock();
      continue;
    }
    if (st_.stopping) break;  // and nothing is left
    sleeping_until_ = timers_.empty() ? Clock::time_point::max() : timers_.top().at;
    if (timers_.empty())
      st_.wake.wait(lock);
    else
      st_.wake.wait_until(lock, sleeping_until_);
    sleeping_until_ = Clock::time_point::min();  // awake: nobody needs to notify
  }
  running_ = false;
}

}  // namespace tcm
