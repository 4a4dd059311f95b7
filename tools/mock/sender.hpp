// The one outbound worker of the mock: a FIFO of tasks run one at a time on a
// thread started on first use. Tasks (shard challenges, event deliveries)
// POST signed EventSub webhook messages with post(): libcurl, 10 s timeout,
// no redirects, IPv4, http/https only, TLS verified against the system CA
// store. Stopping aborts an in-flight POST at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace tcm {

// "sha256=" + hex(HMAC-SHA256(secret, id + timestamp + body)) (§6.3).
std::string eventsub_signature(const std::string &secret, const std::string &id, const std::string &timestamp,
                               const std::string &body);

// One webhook message (§6.2). Subscription-Type/-Version are sent only when
// sub_type is non-empty (a shard challenge has no subscription).
struct SignedPost {
  std::string url, secret;
  std::string id, retry = "0", type, timestamp, sub_type, sub_version;
  std::string body;
  bool tamper = false;  // flip a byte of the body after signing (negative tests)
};

struct PostResult {
  bool transferred = false;  // an HTTP answer arrived (any status)
  long status = 0;           // its status; 0 without one
  std::string answer;        // its body, at most 64 KiB
  std::string signature;     // the Message-Signature header sent
};

class Sender {
 public:
  Sender() = default;
  ~Sender();
  Sender(const Sender &) = delete;
  Sender &operator=(const Sender &) = delete;

  // Queues a task; may be called with State::mu held (mu_ is a leaf lock).
  // Tasks must not throw out (they are wrapped anyway) and run on the worker.
  void submit(std::function<void()> task);
  void clear();  // forget queued (not yet started) tasks
  // True once stopping: a task's answer is then moot.
  bool aborting() const { return abort_; }
  // Worker thread only: POSTs `m`, signed with m.secret.
  PostResult post(const SignedPost &m);

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  bool started_ = false;
  std::atomic<bool> abort_{false};
  void *multi_ = nullptr;  // CURLM*, alive while the worker is
  std::thread worker_;
};

}  // namespace tcm
