#include "sender.hpp"

#include <new>
#include <utility>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace tcm {

namespace {

constexpr long kTimeoutMs = 10000;         // the twitch-cli sender's client timeout (§6.5)
constexpr std::size_t kMaxAnswer = 65536;  // longer answers abort the transfer

struct Sink {
  std::string body;
};

size_t on_answer(char *p, size_t sz, size_t n, void *ud) {
  Sink *s = static_cast<Sink *>(ud);
  if (s->body.size() + sz * n > kMaxAnswer) return 0;  // aborts the transfer: a failure
  s->body.append(p, sz * n);
  return sz * n;
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

Sender::~Sender() {
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

void Sender::submit(std::function<void()> task) {
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
      worker_ = std::thread(&Sender::run, this);
    } catch (...) {
      curl_multi_cleanup(static_cast<CURLM *>(multi_));
      multi_ = nullptr;
      curl_global_cleanup();
      throw;
    }
    started_ = true;
  }
  queue_.push_back(std::move(task));
  cv_.notify_one();
}

void Sender::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();
}

void Sender::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      task();
    } catch (...) {
      // Out of memory or RNG failure: keep serving.
    }
    if (abort_) return;
  }
}

PostResult Sender::post(const SignedPost &m) {
  PostResult res;
  res.signature = eventsub_signature(m.secret, m.id, m.timestamp, m.body);
  std::string body = m.body;
  if (m.tamper && !body.empty()) body[body.size() / 2] ^= 0x01;  // after signing: the signature no longer fits
  Slist headers;
  headers.add("Content-Type: application/json");
  headers.add("Twitch-Eventsub-Message-Id: " + m.id);
  headers.add("Twitch-Eventsub-Message-Retry: " + m.retry);
  headers.add("Twitch-Eventsub-Message-Type: " + m.type);
  headers.add("Twitch-Eventsub-Message-Signature: " + res.signature);
  headers.add("Twitch-Eventsub-Message-Timestamp: " + m.timestamp);
  if (!m.sub_type.empty()) {
    headers.add("Twitch-Eventsub-Subscription-Type: " + m.sub_type);
    headers.add("Twitch-Eventsub-Subscription-Version: " + m.sub_version);
  }
  headers.add("Expect:");  // no 100-continue round trip

  Easy easy;
  if (!easy.h) throw std::bad_alloc();
  CURL *h = easy.h;
  Sink sink;
  curl_easy_setopt(h, CURLOPT_URL, m.url.c_str());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
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
  if (curl_multi_add_handle(multi, h) != CURLM_OK) return res;
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
  if (done && rc == CURLE_OK) {
    res.transferred = true;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res.status);
    res.answer = std::move(sink.body);
  }
  return res;
}

}  // namespace tcm
