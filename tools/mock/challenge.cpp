#include "challenge.hpp"

#include <new>
#include <utility>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "json.hpp"
#include "state.hpp"

namespace tcm {

namespace {

constexpr long kTimeoutMs = 10000;         // the twitch-cli sender's client timeout (§6.5)
constexpr std::size_t kMaxAnswer = 65536;  // a longer answer cannot be the challenge anyway

struct Sink {
  std::string body;
};

size_t on_answer(char *p, size_t sz, size_t n, void *ud) {
  Sink *s = static_cast<Sink *>(ud);
  if (s->body.size() + sz * n > kMaxAnswer) return 0;  // aborts the transfer: a failed challenge
  s->body.append(p, sz * n);
  return sz * n;
}

// The shard the job may still settle: same assignment, still waiting.
Shard *live_shard(State &st, const ChallengeJob &job) {
  auto c = st.conduits.find(job.conduit_id);
  if (c == st.conduits.end()) return nullptr;
  auto s = c->second.shards.find(job.shard);
  if (s == c->second.shards.end()) return nullptr;
  Shard &shard = s->second;
  if (shard.websocket || shard.challenge_gen != job.gen || shard.status != "webhook_callback_verification_pending")
    return nullptr;
  return &shard;
}

struct Slist {
  curl_slist *list = nullptr;
  ~Slist() { curl_slist_free_all(list); }
  void add(const std::string &line) {
    curl_slist *next = curl_slist_append(list, line.c_str());
    if (!next) throw std::bad_alloc();
    list = next;
  }
};

struct Easy {
  CURL *h = curl_easy_init();
  ~Easy() {
    if (h) curl_easy_cleanup(h);
  }
};

}  // namespace

std::string eventsub_signature(const std::string &secret, const std::string &id, const std::string &timestamp,
                               const std::string &body) {
  std::string message = id + timestamp + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char *>(message.data()), message.size(), mac, &len))
    throw std::bad_alloc();
  static const char hex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[mac[i] >> 4]);
    out.push_back(hex[mac[i] & 15]);
  }
  return out;
}

ChallengeMessage build_challenge(const ChallengeJob &job, const std::string &challenge) {
  Json shard = json_object();
  add_string(shard.get(), "conduit_id", job.conduit_id);
  add_string(shard.get(), "shard", std::to_string(job.shard));
  Json body = json_object();
  add_string(body.get(), "challenge", challenge);
  add_item(body.get(), "conduit_shard", std::move(shard));
  ChallengeMessage m;
  m.id = random_uuid_v4();
  m.timestamp = rfc3339_now();
  m.body = json_print(body.get());
  m.signature = eventsub_signature(job.secret, m.id, m.timestamp, m.body);
  return m;
}

Challenger::~Challenger() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    queue_.clear();
  }
  abort_ = true;
  cv_.notify_all();
  if (!started_) return;
  curl_multi_wakeup(static_cast<CURLM *>(multi_));  // out of curl_multi_poll now
  worker_.join();
  curl_multi_cleanup(static_cast<CURLM *>(multi_));
  curl_global_cleanup();
}

void Challenger::enqueue(ChallengeJob job) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) return;
  if (!started_) {
    // Reference-counted, and thread-safe since libcurl 7.84.
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::bad_alloc();
    multi_ = curl_multi_init();
    if (!multi_) {
      curl_global_cleanup();
      throw std::bad_alloc();
    }
    try {
      worker_ = std::thread(&Challenger::run, this);
    } catch (...) {
      curl_multi_cleanup(static_cast<CURLM *>(multi_));
      multi_ = nullptr;
      curl_global_cleanup();
      throw;
    }
    started_ = true;
  }
  queue_.push_back(std::move(job));
  cv_.notify_one();
}

void Challenger::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();
}

void Challenger::run() {
  for (;;) {
    ChallengeJob job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      {
        std::lock_guard<std::mutex> lock(st_.mu);
        if (!live_shard(st_, job)) continue;  // reassigned, resized away or deleted meanwhile
        ++st_.stats.challenges_sent;
      }
      bool ok = deliver(job);
      if (abort_) return;  // stopping: the answer is moot
      std::lock_guard<std::mutex> lock(st_.mu);
      ++(ok ? st_.stats.challenges_passed : st_.stats.challenges_failed);
      if (Shard *s = live_shard(st_, job)) s->status = ok ? "enabled" : "webhook_callback_verification_failed";
    } catch (...) {
      // Out of memory or RNG failure: the shard stays pending; keep serving.
    }
  }
}

bool Challenger::deliver(const ChallengeJob &job) {
  const std::string challenge = random_uuid_v4();
  ChallengeMessage m = build_challenge(job, challenge);
  Slist headers;
  headers.add("Content-Type: application/json");
  headers.add("Twitch-Eventsub-Message-Id: " + m.id);
  headers.add("Twitch-Eventsub-Message-Retry: 0");
  headers.add("Twitch-Eventsub-Message-Type: webhook_callback_verification");
  headers.add("Twitch-Eventsub-Message-Signature: " + m.signature);
  headers.add("Twitch-Eventsub-Message-Timestamp: " + m.timestamp);
  // Whether a shard challenge carries Subscription-Type/-Version is unverified
  // (§3.3): there is no subscription, so they are left out.
  headers.add("Expect:");  // no 100-continue round trip

  Easy easy;
  if (!easy.h) throw std::bad_alloc();
  CURL *h = easy.h;
  Sink sink;
  curl_easy_setopt(h, CURLOPT_URL, job.callback.c_str());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, m.body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(m.body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_answer);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, kTimeoutMs);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  // "redirects are not followed" (§3.3)
  curl_easy_setopt(h, CURLOPT_IPRESOLVE, CURL_IPRESOLVE_V4);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(h, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif

  CURLM *multi = static_cast<CURLM *>(multi_);
  if (curl_multi_add_handle(multi, h) != CURLM_OK) return false;
  CURLcode rc = CURLE_ABORTED_BY_CALLBACK;
  bool done = false;
  while (!abort_ && !done) {
    int running = 0;
    if (curl_multi_perform(multi, &running) != CURLM_OK) break;
    int left = 0;
    while (CURLMsg *msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg == CURLMSG_DONE) {
        rc = msg->data.result;
        done = true;
      }
    }
    if (!done && running == 0) break;
    if (!done) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);  // curl_multi_wakeup ends it early
  }
  curl_multi_remove_handle(multi, h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  return done && rc == CURLE_OK && status == 200 && sink.body == challenge;
}

}  // namespace tcm
