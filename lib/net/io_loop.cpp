#include "net/io_loop.hpp"

#include <algorithm>
#include <cstring>

namespace tc::net {

namespace {
thread_local IoLoop *tl_deferring = nullptr;  // the loop whose wakeups this thread defers
constexpr int kMaxPollMs = 1000;   // upper bound so a lost wakeup cannot stall us long
constexpr size_t kMaxIdleEasies = 256;
constexpr size_t kMaxSpareNodes = 256;  // per kind

// Keeps `node` for reuse unless enough are kept already.
template <class Node>
void keep_spare(std::vector<Node> &spares, Node &&node) {
    if (spares.size() < kMaxSpareNodes) spares.push_back(std::move(node));
}
}  // namespace

struct IoLoop::Transfer {
    uint64_t id = 0;
    CURL *easy = nullptr;
    HttpRequest request;
    HttpResult result;
    TransferDone done;
    size_t max_bytes = 0;
    char error[CURL_ERROR_SIZE] = {0};
};

IoLoop::IoLoop(TransportConfig config) : config_(std::move(config)) {}

IoLoop::~IoLoop() {
    stop();
    for (CURL *easy : idle_easies_) curl_easy_cleanup(easy);
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
}

bool IoLoop::start(std::string *error) {
    multi_ = curl_multi_init();
    if (multi_ == nullptr) {
        *error = "curl_multi_init failed";
        return false;
    }
    curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, config_.max_connections);
    try {
        thread_ = std::thread([this] { run(); });
        thread_id_ = thread_.get_id();
    } catch (const std::exception &e) {
        *error = std::string("cannot start the I/O thread: ") + e.what();
        return false;
    }
    running_ = true;
    return true;
}

void IoLoop::stop() {
    if (!running_) return;
    stopping_.store(true);
    wakeup();
    thread_.join();
    running_ = false;
}

void IoLoop::post(Task task) {
    bool was_empty = false;
    {
        std::lock_guard<std::mutex> lock(tasks_mu_);
        if (!accepting_) return;
        was_empty = tasks_.empty();
        tasks_.push_back(std::move(task));
    }
    // One wakeup per batch: a non-empty queue has already been signalled, and
    // the loop itself polls with no timeout while tasks are queued.
    if (!was_empty || on_loop_thread()) return;
    if (tl_deferring == this) {
        wakeup_deferred_.store(true);
    } else {
        wakeup();
    }
}

IoLoop::DeferWakeups::DeferWakeups(IoLoop &loop) : loop_(loop), outer_(tl_deferring) { tl_deferring = &loop; }

IoLoop::DeferWakeups::~DeferWakeups() {
    tl_deferring = outer_;
    if (loop_.wakeup_deferred_.exchange(false)) loop_.wakeup();
}

void IoLoop::wakeup() {
    if (multi_ != nullptr) curl_multi_wakeup(multi_);
}

bool IoLoop::on_loop_thread() const { return std::this_thread::get_id() == thread_id_; }

void IoLoop::run() {
    while (!stopping_.load()) {
        if (turn_begin_) turn_begin_();
        run_tasks();
        run_due_timers();
        int running = 0;
        curl_multi_perform(multi_, &running);
        drain_finished();
        if (turn_end_) turn_end_();
        curl_multi_poll(multi_, nullptr, 0, poll_timeout_ms(), nullptr);
    }
    // Shutdown: let the owner fail what it queued, then cancel what is left.
    run_tasks();
    if (shutdown_hook_) shutdown_hook_();
    {
        std::lock_guard<std::mutex> lock(tasks_mu_);
        accepting_ = false;
    }
    run_tasks();
    while (!transfers_.empty()) cancel_transfer(transfers_.begin()->first);
    while (!attached_.empty()) {
        auto it = attached_.begin();
        CURL *easy = it->first;
        EasyDone done = std::move(it->second);
        attached_.erase(it);
        curl_multi_remove_handle(multi_, easy);
        done(CURLE_ABORTED_BY_CALLBACK, true);
    }
    timers_.clear();
    timer_index_.clear();
}

void IoLoop::run_tasks() {
    std::vector<Task> batch;
    {
        std::lock_guard<std::mutex> lock(tasks_mu_);
        batch.swap(tasks_);
    }
    for (auto &task : batch) task();
}

void IoLoop::run_due_timers() {
    const auto now = util::now();
    // Pop one at a time: a timer task may add or cancel other timers.
    while (!timers_.empty() && timers_.begin()->first <= now) {
        auto it = timers_.begin();
        Task task = std::move(it->second.second);
        auto index = timer_index_.find(it->second.first);
        if (index != timer_index_.end()) keep_spare(spare_timer_index_, timer_index_.extract(index));
        keep_spare(spare_timers_, timers_.extract(it));
        task();
    }
}

int IoLoop::poll_timeout_ms() const {
    {
        std::lock_guard<std::mutex> lock(tasks_mu_);
        if (!tasks_.empty()) return 0;
    }
    int timeout = kMaxPollMs;
    if (!timers_.empty()) {
        int64_t ms = util::millis_between(util::now(), timers_.begin()->first);
        // Round up so we do not wake a millisecond early and spin.
        timeout = static_cast<int>(std::clamp<int64_t>(ms + 1, 0, kMaxPollMs));
    }
    return timeout;
}

IoLoop::TimerId IoLoop::add_timer(int64_t delay_ms, Task task) {
    TimerId id = next_timer_id_++;
    auto when = util::now() + util::Millis(std::max<int64_t>(delay_ms, 0));
    TimerMap::iterator it;
    if (spare_timers_.empty()) {
        it = timers_.emplace(when, std::make_pair(id, std::move(task)));
    } else {
        TimerMap::node_type node = std::move(spare_timers_.back());
        spare_timers_.pop_back();
        node.key() = when;
        node.mapped() = std::make_pair(id, std::move(task));
        it = timers_.insert(std::move(node));
    }
    if (spare_timer_index_.empty()) {
        timer_index_.emplace(id, it);
    } else {
        TimerIndex::node_type node = std::move(spare_timer_index_.back());
        spare_timer_index_.pop_back();
        node.key() = id;
        node.mapped() = it;
        timer_index_.insert(std::move(node));
    }
    return id;
}

void IoLoop::cancel_timer(TimerId id) {
    auto found = timer_index_.find(id);
    if (found == timer_index_.end()) return;
    TimerMap::node_type timer = timers_.extract(found->second);
    timer.mapped().second = nullptr;  // the task's captures go now, not when the node is reused
    keep_spare(spare_timers_, std::move(timer));
    keep_spare(spare_timer_index_, timer_index_.extract(found));
}

CURL *IoLoop::take_easy() {
    if (idle_easies_.empty()) return new_easy();
    CURL *easy = idle_easies_.back();
    idle_easies_.pop_back();
    return easy;
}

void IoLoop::give_back_easy(CURL *easy) {
    if (idle_easies_.size() >= kMaxIdleEasies) {
        curl_easy_cleanup(easy);
        return;
    }
    idle_easies_.push_back(easy);
}

size_t IoLoop::on_body(char *data, size_t size, size_t n, void *userp) {
    auto *t = static_cast<Transfer *>(userp);
    const size_t bytes = size * n;
    if (t->result.body.size() + bytes > t->max_bytes) {
        t->result.too_large = true;
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    t->result.body.append(data, bytes);
    return bytes;
}

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// [begin, end) without surrounding white space, as a string (one allocation).
std::string trimmed(const char *begin, const char *end) {
    while (begin < end && is_space(*begin)) ++begin;
    while (end > begin && is_space(end[-1])) --end;
    return std::string(begin, end);
}
}  // namespace

size_t IoLoop::on_header(char *data, size_t size, size_t n, void *userp) {
    auto *t = static_cast<Transfer *>(userp);
    const size_t bytes = size * n;
    const char *end = data + bytes;
    if (bytes >= 5 && std::memcmp(data, "HTTP/", 5) == 0) {
        t->result.headers.clear();  // a new response (e.g. after 100-continue)
        return bytes;
    }
    const char *colon = static_cast<const char *>(std::memchr(data, ':', bytes));
    if (colon == nullptr) return bytes;
    t->result.headers.emplace_back(trimmed(data, colon), trimmed(colon + 1, end));
    return bytes;
}

CURL *IoLoop::new_easy() const {
    // Options that never change are set once per handle; handles are reused
    // without curl_easy_reset, so configure() sets every per-request option.
    CURL *e = curl_easy_init();
    if (e == nullptr) return nullptr;
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &IoLoop::on_body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &IoLoop::on_header);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, config_.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    if (!config_.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, config_.ca_file.c_str());
    if (!config_.user_agent.empty()) curl_easy_setopt(e, CURLOPT_USERAGENT, config_.user_agent.c_str());
    return e;
}

bool IoLoop::configure(Transfer &t) {
    CURL *e = t.easy;
    const HttpRequest &r = t.request;
    if (!r.header_list) {
        t.request.header_list = HeaderList::build(r.headers);
        if (!t.request.header_list) return false;
    }
    curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r.header_list->list());
    curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r.timeout_ms);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, r.fresh_connection ? 1L : 0L);

    const bool body = r.has_body || r.method == TC_POST;
    if (body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);  // also drops a previous request's body
    }
    // GET and POST are implied by the above; other verbs are named.
    const bool named = r.method != TC_GET && r.method != TC_POST;
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, named ? method_name(r.method) : nullptr);
    return true;
}

uint64_t IoLoop::start_transfer(HttpRequest request, TransferDone done) {
    const uint64_t id = next_transfer_id_++;
    Transfer *raw = nullptr;
    if (spare_transfers_.empty()) {
        raw = transfers_.emplace(id, std::make_unique<Transfer>()).first->second.get();
    } else {
        TransferMap::node_type node = std::move(spare_transfers_.back());
        spare_transfers_.pop_back();
        node.key() = id;
        raw = node.mapped().get();  // reset when it was finished
        transfers_.insert(std::move(node));
    }
    raw->id = id;
    raw->request = std::move(request);
    raw->done = std::move(done);
    raw->max_bytes = config_.max_response_bytes;
    raw->result.headers.reserve(12);  // Helix answers carry about ten headers
    raw->easy = take_easy();
    if (raw->easy == nullptr || !configure(*raw) || curl_multi_add_handle(multi_, raw->easy) != CURLM_OK) {
        HttpResult failed;
        failed.curl_code = CURLE_OUT_OF_MEMORY;
        failed.error = "cannot set up the transfer";
        // Report on the next turn so `done` never runs inside the caller's frame.
        uint64_t id = raw->id;
        add_timer(0, [this, id, failed]() mutable {
            auto it = transfers_.find(id);
            if (it != transfers_.end()) finish(it->second.get(), std::move(failed));
        });
        if (raw->easy != nullptr) curl_multi_remove_handle(multi_, raw->easy);
        return raw->id;
    }
    return raw->id;
}

void IoLoop::finish(Transfer *t, HttpResult &&result) {
    auto it = transfers_.find(t->id);
    if (it == transfers_.end()) return;
    TransferMap::node_type node = transfers_.extract(it);
    Transfer &owned = *node.mapped();
    if (owned.easy != nullptr) give_back_easy(owned.easy);
    TransferDone done = std::move(owned.done);
    owned = Transfer{};  // its request, answer and callback go now
    keep_spare(spare_transfers_, std::move(node));
    done(std::move(result));
}

void IoLoop::cancel_transfer(uint64_t id) {
    auto it = transfers_.find(id);
    if (it == transfers_.end()) return;
    Transfer *t = it->second.get();
    if (t->easy != nullptr) curl_multi_remove_handle(multi_, t->easy);
    HttpResult result;
    result.canceled = true;
    result.error = "canceled";
    finish(t, std::move(result));
}

bool IoLoop::attach(CURL *easy, EasyDone done) {
    if (easy == nullptr || attached_.count(easy) != 0) return false;
    if (curl_multi_add_handle(multi_, easy) != CURLM_OK) return false;
    attached_.emplace(easy, std::move(done));
    return true;
}

void IoLoop::detach(CURL *easy) {
    auto it = attached_.find(easy);
    if (it == attached_.end()) return;
    attached_.erase(it);
    curl_multi_remove_handle(multi_, easy);
}

void IoLoop::drain_finished() {
    int left = 0;
    while (CURLMsg *msg = curl_multi_info_read(multi_, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL *easy = msg->easy_handle;
        const CURLcode code = msg->data.result;
        auto owned = attached_.find(easy);
        if (owned != attached_.end()) {
            EasyDone done = std::move(owned->second);
            attached_.erase(owned);
            curl_multi_remove_handle(multi_, easy);
            done(code, false);
            continue;
        }
        Transfer *t = nullptr;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char **>(&t));
        curl_multi_remove_handle(multi_, easy);
        if (t == nullptr) continue;
        HttpResult result = std::move(t->result);
        result.curl_code = static_cast<int>(code);
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        result.http_status = code == CURLE_OK ? static_cast<int>(status) : 0;
        long connects = 0;
        curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
        result.new_connections = connects;
        if (code != CURLE_OK) {
            result.error = t->error[0] != '\0' ? t->error : curl_easy_strerror(code);
        }
        finish(t, std::move(result));
    }
}

}  // namespace tc::net
