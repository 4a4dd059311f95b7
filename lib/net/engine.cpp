#include "net/engine.hpp"

#include "net/status_map.hpp"
#include "net/token_provider.hpp"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

namespace tc::net {

namespace {
// Retries after a 401 on a worn-out token (replaced, or proven good), per request: with
// tokens that die after fewer calls than there are requests in flight, a
// request can meet a worn-out token repeatedly.
constexpr int kMaxStaleTokenRetries = 32;
constexpr size_t kMaxSpareJobs = 256;

std::string deadline_message(int64_t deadline_ms, const std::string &during) {
    return "request deadline of " + std::to_string(deadline_ms) + " ms passed (" + during + ")";
}
}  // namespace

struct Engine::Job {
    enum class State { Queued, NeedToken, Sending, Sleeping, Finished };
    uint64_t id = 0;
    Call call;
    Done done;
    State state = State::Queued;
    int attempts = 0;
    int rate_limit_waits = 0;  // attempts that ended in a bucket 429
    int max_attempts = 0;
    bool retried_after_401 = false;  // retried after a 401 on the token then current
    int stale_token_retries = 0;      // retries after a 401 on a worn-out token
    bool counted_pacing = false;
    uint64_t token_generation = 0;
    uint64_t transfer_id = 0;
    Pacer::Sent paced{};
    IoLoop::TimerId timer = 0;
    util::TimePoint started{};
    int64_t deadline_ms = 0;             // 0 = none
    util::TimePoint deadline{};          // set by the first attempt
    IoLoop::TimerId deadline_timer = 0;
    bool deadline_passed = false;        // the transfer was cancelled for it
    HttpResult last;                     // the answer a sleeping retry waits after
};

Engine::Engine(EngineConfig config, util::Logger &logger, util::Stats &stats, util::Jitter &jitter)
    : config_(std::move(config)),
      logger_(logger),
      stats_(stats),
      policy_(config_.retry, jitter),
      pacer_(config_.pacing),
      loop_(config_.transport) {}

Engine::~Engine() { stop(); }

bool Engine::start(TokenProvider *tokens, std::string *error) {
    tokens_ = tokens;
    loop_.set_shutdown_hook([this] {
        std::vector<uint64_t> ids;
        ids.reserve(jobs_.size());
        for (const auto &j : jobs_) ids.push_back(j.first);
        for (uint64_t id : ids) cancel(id);
        if (tokens_ != nullptr) tokens_->cancel_waiters();
    });
    return loop_.start(error);
}

void Engine::stop() { loop_.stop(); }

uint64_t Engine::submit(Call call, Done done) {
    // The job lives in its map node: one allocation for both, none when a
    // finished job's node is reused.
    const uint64_t id = next_job_id_++;
    Job *slot = nullptr;
    if (spare_jobs_.empty()) {
        slot = &jobs_.try_emplace(id).first->second;
    } else {
        JobMap::node_type node = std::move(spare_jobs_.back());
        spare_jobs_.pop_back();
        node.key() = id;
        slot = &jobs_.insert(std::move(node)).position->second;  // reset when it finished
    }
    Job &job = *slot;
    job.id = id;
    job.call = std::move(call);
    job.done = std::move(done);
    job.max_attempts = job.call.max_attempts > 0 ? job.call.max_attempts : config_.retry.max_attempts;
    if (job.call.timeout_ms <= 0) job.call.timeout_ms = config_.request_timeout_ms;
    job.deadline_ms = job.call.deadline_ms == 0 ? config_.request_deadline_ms : std::max<int64_t>(0, job.call.deadline_ms);
    job.started = util::now();
    Job &ref = job;
    enqueue(ref);
    return ref.id;
}

void Engine::enqueue(Job &job, bool first) {
    job.state = Job::State::Queued;
    if (job.call.target == Call::Target::Auth) {
        // OAuth calls go to another host and bucket: no gate, no token.
        send(job, nullptr);
        return;
    }
    if (first) {
        ready_.push_front(job.id);
    } else {
        ready_.push_back(job.id);
    }
    pump();
}

void Engine::wait_for_token(Job &job) {
    job.state = Job::State::NeedToken;
    need_token_.push_back(job.id);
    if (token_wait_registered_) return;
    token_wait_registered_ = true;
    tokens_->refresh(false, [this](tc_status status, const std::string &message) {
        on_token_settled(status, message);
    });
}

void Engine::on_token_settled(tc_status status, const std::string &message) {
    token_wait_registered_ = false;
    std::deque<uint64_t> waiting;
    waiting.swap(need_token_);
    if (status == TC_OK) {
        // They were first in line before the token ran out: keep them first,
        // and those a worn-out token turned back most often before the rest.
        std::stable_sort(waiting.begin(), waiting.end(), [this](uint64_t a, uint64_t b) {
            auto fa = jobs_.find(a), fb = jobs_.find(b);
            const int ra = fa != jobs_.end() ? fa->second.stale_token_retries : 0;
            const int rb = fb != jobs_.end() ? fb->second.stale_token_retries : 0;
            return ra > rb;
        });
        for (auto it = waiting.rbegin(); it != waiting.rend(); ++it) {
            auto found = jobs_.find(*it);
            if (found == jobs_.end()) continue;
            found->second.state = Job::State::Queued;
            ready_.push_front(*it);
        }
        pump();
        return;
    }
    for (uint64_t id : waiting) {
        auto found = jobs_.find(id);
        if (found != jobs_.end()) finish(found->second, status, HttpResult{}, message);
    }
}

void Engine::pump() {
    const auto now = util::now();
    while (!ready_.empty() && active_helix_ < config_.max_concurrency) {
        auto found = jobs_.find(ready_.front());
        if (found == jobs_.end() || found->second.state != Job::State::Queued) {
            ready_.pop_front();  // cancelled while queued
            continue;
        }
        Job &job = found->second;
        if (!pacer_.may_send(now)) {
            if (!job.counted_pacing) {
                job.counted_pacing = true;
                stats_.add(TC_STAT_PACING_DELAYS);
            }
            if (pump_timer_ == 0) {
                pump_timer_ = loop_.add_timer(pacer_.wait_ms(now), [this] {
                    pump_timer_ = 0;
                    pump();
                });
            }
            return;
        }
        ready_.pop_front();
        std::string token;
        uint64_t generation = 0;
        if (!tokens_->current(&token, &generation)) {
            wait_for_token(job);
            continue;
        }
        job.token_generation = generation;
        send(job, &token);
    }
}

std::shared_ptr<HeaderList> Engine::helix_headers(const std::string &token, uint64_t generation, bool json_body) {
    if (generation != header_generation_) {
        header_generation_ = generation;
        helix_headers_[0].reset();
        helix_headers_[1].reset();
    }
    std::shared_ptr<HeaderList> &cached = helix_headers_[json_body ? 1 : 0];
    if (!cached) {
        Headers h = {{"Authorization", "Bearer " + token}, {"Client-Id", config_.client_id},
                     {"Accept", "application/json"}};
        if (json_body) h.emplace_back("Content-Type", "application/json");
        cached = HeaderList::build(h);
    }
    return cached;
}

HttpRequest Engine::build_request(const Job &job, const std::string *token) {
    const Call &call = job.call;
    HttpRequest req;
    req.method = call.method;
    const std::string &base = call.target == Call::Target::Helix ? config_.api_base : config_.auth_base;
    req.url = util::join_url(base, call.path, call.query);
    req.timeout_ms = call.timeout_ms;
    req.has_body = call.has_body;
    req.body = call.body;
    req.fresh_connection = call.method == TC_POST && !call.unsafe_retry;
    const bool json = call.has_body && std::strcmp(call.content_type, "application/json") == 0;
    if (token != nullptr && call.extra_headers.empty() && (json || !call.has_body)) {
        // The common Helix header set: built once per token and shared.
        req.header_list = helix_headers(*token, job.token_generation, json);
        return req;
    }
    if (token != nullptr) {
        req.headers.emplace_back("Authorization", "Bearer " + *token);
        req.headers.emplace_back("Client-Id", config_.client_id);
    }
    for (const auto &h : call.extra_headers) req.headers.push_back(h);
    if (call.has_body) req.headers.emplace_back("Content-Type", call.content_type);
    req.headers.emplace_back("Accept", "application/json");
    return req;
}

void Engine::send(Job &job, const std::string *token) {
    job.state = Job::State::Sending;
    if (job.attempts == 0) start_deadline(job);
    ++job.attempts;
    stats_.add(TC_STAT_HTTP_REQUESTS);
    if (job.attempts > 1) stats_.add(TC_STAT_RETRIES);
    if (job.call.target == Call::Target::Helix) {
        ++active_helix_;
        job.paced = pacer_.on_send(util::now(), util::unix_millis_now());
    }
    logger_.log(TC_LOG_DEBUG, "%s %s (attempt %d)", method_name(job.call.method), job.call.path.c_str(),
                job.attempts);
    uint64_t id = job.id;
    job.transfer_id = loop_.start_transfer(build_request(job, token), [this, id](HttpResult &&result) {
        on_attempt_done(id, std::move(result));
    });
}

void Engine::on_attempt_done(uint64_t job_id, HttpResult &&result) {
    auto found = jobs_.find(job_id);
    if (found == jobs_.end()) return;
    Job &job = found->second;
    job.transfer_id = 0;
    const bool helix = job.call.target == Call::Target::Helix;
    if (helix) {
        --active_helix_;
        pacer_.on_finish(util::now(), result, util::unix_millis_now(), job.paced);
    }
    if (result.new_connections > 0) stats_.add(TC_STAT_CONNECTIONS, static_cast<uint64_t>(result.new_connections));
    if (result.http_status == 429) stats_.add(TC_STAT_RATE_LIMITED);
    if (helix && result.http_status != 0 && result.http_status != 401) tokens_->confirm(job.token_generation);

    if (result.canceled && job.deadline_passed) {
        finish(job, TC_ETIMEDOUT, std::move(result), deadline_message(job.deadline_ms, "the attempt in flight"));
    } else if (result.canceled) {
        finish(job, TC_ECANCELED, std::move(result), "operation canceled");
    } else if (helix && result.http_status == 401) {
        // A token that was replaced while this request carried it, or that
        // worked for other requests, wore out: retry (bounded). A 401 on a
        // current token that never worked gets one retry with a fresh token;
        // a second means the credentials are refused.
        const bool worn = !tokens_->is_current(job.token_generation) || tokens_->proven(job.token_generation);
        tokens_->invalidate(job.token_generation);
        if (tokens_->renewable() && (worn ? job.stale_token_retries < kMaxStaleTokenRetries : !job.retried_after_401)) {
            // The refresh is shared by every request that got a 401.
            if (worn) {
                ++job.stale_token_retries;
            } else {
                job.retried_after_401 = true;
            }
            logger_.log(TC_LOG_INFO, "%s %s: 401, retrying with a new app token",
                        method_name(job.call.method), job.call.path.c_str());
            job.state = Job::State::Queued;
            ready_.push_front(job.id);
        } else {
            std::string message = message_from_result(result);
            if (!tokens_->renewable()) message += " (the app token was rejected and there is no client secret to renew it)";
            finish(job, TC_EAUTH, std::move(result), message);
        }
    } else {
        RetryDecision d = policy_.decide(result, job.call.method, job.call.unsafe_retry, job.attempts,
                                         job.max_attempts, util::unix_millis_now(), job.rate_limit_waits);
        if (d.retry && would_pass_deadline(job, d.delay_ms)) {
            // Waiting cannot help: the retry would start after the deadline.
            std::string message = deadline_message(job.deadline_ms, d.why);
            logger_.log(TC_LOG_WARN, "%s %s failed: %s", method_name(job.call.method), job.call.path.c_str(),
                        message.c_str());
            finish(job, TC_ETIMEDOUT, std::move(result), std::move(message));
        } else if (d.retry) {
            if (d.bucket_429) ++job.rate_limit_waits;
            logger_.log(TC_LOG_INFO, "%s %s: %s; retry %d in %lld ms", method_name(job.call.method),
                        job.call.path.c_str(), d.why.c_str(), job.attempts,
                        static_cast<long long>(d.delay_ms));
            job.last = std::move(result);
            retry_later(job, d.delay_ms);
        } else {
            tc_status status = status_from_result(result);
            std::string message = message_from_result(result);
            if (status != TC_OK && !d.why.empty()) {
                logger_.log(TC_LOG_WARN, "%s %s failed: %s", method_name(job.call.method),
                            job.call.path.c_str(), d.why.c_str());
            }
            finish(job, status, std::move(result), message);
        }
    }
    pump();
}

void Engine::retry_later(Job &job, int64_t delay_ms) {
    job.state = Job::State::Sleeping;
    uint64_t id = job.id;
    job.timer = loop_.add_timer(delay_ms, [this, id] {
        auto found = jobs_.find(id);
        if (found == jobs_.end()) return;
        found->second.timer = 0;
        // A retry is older than anything queued since: it goes first, so fresh
        // work cannot take the points it waited for.
        enqueue(found->second, true);
    });
}

void Engine::start_deadline(Job &job) {
    if (job.deadline_ms <= 0) return;
    job.deadline = util::now() + util::Millis(job.deadline_ms);
    const uint64_t id = job.id;
    job.deadline_timer = loop_.add_timer(job.deadline_ms, [this, id] { on_deadline(id); });
}

bool Engine::would_pass_deadline(const Job &job, int64_t delay_ms) const {
    return job.deadline_timer != 0 && util::now() + util::Millis(delay_ms) >= job.deadline;
}

void Engine::withdraw(Job &job) {
    const uint64_t id = job.id;
    switch (job.state) {
    case Job::State::Sleeping: loop_.cancel_timer(job.timer); break;
    case Job::State::NeedToken: need_token_.erase(std::remove(need_token_.begin(), need_token_.end(), id), need_token_.end()); break;
    case Job::State::Queued: ready_.erase(std::remove(ready_.begin(), ready_.end(), id), ready_.end()); break;
    case Job::State::Sending:
    case Job::State::Finished: break;
    }
}

void Engine::on_deadline(uint64_t job_id) {
    auto found = jobs_.find(job_id);
    if (found == jobs_.end()) return;
    Job &job = found->second;
    job.deadline_timer = 0;
    switch (job.state) {
    case Job::State::Sending:
        // The transfer completes as canceled; on_attempt_done reports the deadline.
        job.deadline_passed = true;
        loop_.cancel_transfer(job.transfer_id);
        return;
    case Job::State::Sleeping:
    case Job::State::NeedToken:
    case Job::State::Queued:
        withdraw(job);
        break;
    case Job::State::Finished:
        return;
    }
    HttpResult last = std::move(job.last);
    const std::string why = last.http_status != 0 ? "waiting to retry after HTTP " + std::to_string(last.http_status)
                                                  : "waiting to retry";
    finish(job, TC_ETIMEDOUT, std::move(last), deadline_message(job.deadline_ms, why));
    pump();
}

void Engine::finish(Job &job, tc_status status, HttpResult &&http, std::string message) {
    auto found = jobs_.find(job.id);
    if (found == jobs_.end()) return;
    Job &owned = found->second;
    if (owned.deadline_timer != 0) loop_.cancel_timer(owned.deadline_timer);
    owned.state = Job::State::Finished;
    CallResult result;
    result.status = status;
    result.http = std::move(http);
    result.attempts = owned.attempts;
    result.job_id = owned.id;
    result.message = std::move(message);
    result.elapsed_ms = static_cast<double>(
        std::chrono::duration_cast<std::chrono::microseconds>(util::now() - owned.started).count()) / 1000.0;
    Done done = std::move(owned.done);
    JobMap::node_type node = jobs_.extract(found);  // `job` is gone from here on
    node.mapped() = Job{};  // its call and last answer go now
    if (spare_jobs_.size() < kMaxSpareJobs) spare_jobs_.push_back(std::move(node));
    done(std::move(result));
}

bool Engine::cancel(uint64_t job_id) {
    auto found = jobs_.find(job_id);
    if (found == jobs_.end()) return false;
    Job &job = found->second;
    switch (job.state) {
    case Job::State::Sending:
        // The transfer's completion (canceled) finishes the job.
        loop_.cancel_transfer(job.transfer_id);
        return true;
    case Job::State::Sleeping:
    case Job::State::NeedToken:
    case Job::State::Queued:
        withdraw(job);
        break;
    case Job::State::Finished:
        return false;
    }
    finish(job, TC_ECANCELED, HttpResult{}, "operation canceled");
    return true;
}

}  // namespace tc::net
