#include "core/manager.hpp"

#include <curl/curl.h>

#include <mutex>

namespace tc::core {

namespace {
std::once_flag curl_once;
CURLcode curl_init_result = CURLE_OK;

// libcurl's global init is not thread-safe on every version: do it once.
bool ensure_curl_global() {
    std::call_once(curl_once, [] { curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    return curl_init_result == CURLE_OK;
}
}  // namespace

Manager::Manager(ManagerConfig config)
    : config_(std::move(config)),
      logger_(config_.log_cb, config_.log_userdata, config_.log_level),
      jitter_(config_.random_seed),
      queue_(stats_) {}

std::unique_ptr<Manager> Manager::create(ManagerConfig config, tc_status *status, std::string *error) {
    if (!ensure_curl_global()) {
        *status = TC_ERROR;
        *error = "curl_global_init failed";
        return nullptr;
    }
    std::unique_ptr<Manager> m(new Manager(std::move(config)));
    if (!m->start(error)) {
        *status = TC_ERROR;
        return nullptr;
    }
    *status = TC_OK;
    return m;
}

bool Manager::start(std::string *error) {
    if (!queue_.init(error)) return false;
    install_view_hook();  // before any thread that feeds the view exists
    engine_ = std::make_unique<net::Engine>(config_.engine, logger_, stats_, jitter_);
    tokens_ = std::make_unique<net::TokenProvider>(*engine_, config_.client_id, config_.client_secret,
                                                   config_.app_token, config_.token_refresh_margin_s);
    engine_->loop().set_turn_hooks([this] { queue_.begin_batch(); }, [this] { queue_.end_batch(); });
    if (!engine_->start(tokens_.get(), error)) return false;
    validator_ = std::make_unique<net::TokenValidator>(*engine_, *tokens_, config_.token_validate_interval_s * 1000);
    validator_->start();
    if (config_.dispatch_thread) {
        try {
            dispatch_thread_ = std::thread([this] { dispatch_main(); });
        } catch (const std::exception &e) {
            *error = std::string("cannot start the dispatch thread: ") + e.what();
            return false;
        }
    }
    logger_.log(TC_LOG_DEBUG, "manager started (api %s, auth %s)", config_.engine.api_base.c_str(),
                config_.engine.auth_base.c_str());
    return true;
}

Manager::~Manager() { shutdown(); }

bool Manager::on_dispatch_thread() const {
    return dispatch_thread_.joinable() && std::this_thread::get_id() == dispatch_thread_.get_id();
}

int Manager::process() {
    net::IoLoop::DeferWakeups batch(engine_->loop());
    return queue_.process();
}

void Manager::dispatch_main() {
    while (!stop_dispatch_.load()) {
        queue_.wait(-1);
        if (stop_dispatch_.load()) break;
        process();
        if (free_requested_.load() && deferred_free_) {
            // Destroys this manager; shutdown() detaches this thread instead of joining it.
            std::function<void()> destroy = std::move(deferred_free_);
            destroy();
            return;
        }
    }
}

tc_status Manager::start_op(tc_op_id *id_out, std::function<void(const std::shared_ptr<OpState> &)> start,
                            runtime::Completion canceled) {
    auto op = std::make_shared<OpState>();
    tc_op_id id = queue_.begin(
        [this, op] { engine_->loop().post([this, op] { cancel_on_loop(op); }); },
        std::move(canceled));
    if (id == 0) return TC_ECLOSED;
    op->id = id;
    engine_->loop().post([op, start = std::move(start)] { start(op); });
    if (id_out != nullptr) *id_out = id;
    return TC_OK;
}

void Manager::step(const std::shared_ptr<OpState> &op, net::Call call,
                   std::function<void(net::CallResult &&)> then) {
    if (op->canceled) {
        // Already completed by cancel_on_loop: send nothing, but let the
        // operation unwind (release what it holds); its finish() is ignored.
        net::CallResult canceled;
        canceled.status = TC_ECANCELED;
        canceled.message = "operation canceled";
        then(std::move(canceled));
        return;
    }
    // The view learns from every call that changed something at Twitch; it
    // needs the request, so that is kept only while a view is loaded.
    std::shared_ptr<net::Call> seen = view_.synced() && call.method != TC_GET ? std::make_shared<net::Call>(call) : nullptr;
    // submit() never runs the callback itself, so the id is recorded before it can be forgotten.
    op->add_job(engine_->submit(std::move(call), [this, op, seen, then = std::move(then)](net::CallResult &&r) {
        op->forget_job(r.job_id);
        if (seen) view_.observe_call(*seen, r);
        then(std::move(r));
    }));
}

void Manager::run_call(const std::shared_ptr<OpState> &op, net::Call call,
                       std::function<runtime::Completion(net::CallResult &&)> make) {
    step(op, std::move(call), [this, op, make = std::move(make)](net::CallResult &&r) { finish(op, make(std::move(r))); });
}

void Manager::set_view_change_cb(tc_view_change_cb cb, void *userdata, bool pull) {
    std::lock_guard<std::mutex> lock(view_cb_mu_);
    view_cb_ = cb;
    view_cb_userdata_ = userdata;
    view_pull_ = cb == nullptr && pull;
}

void Manager::install_view_hook() {
    // Each change is delivered like a finished operation of its own, so it
    // runs where the user's callbacks run (never on the I/O thread).
    view_.set_changed([this](tc_view_change kind, const std::string &id) {
        tc_view_change_cb user_cb;
        void *user_data;
        bool pull;
        {
            std::lock_guard<std::mutex> lock(view_cb_mu_);
            user_cb = view_cb_;
            user_data = view_cb_userdata_;
            pull = view_pull_;
        }
        if (user_cb == nullptr && !pull) return;
        runtime::Completion done;
        if (pull) {
            done = runtime::pull_form(TC_COMPLETION_VIEW_CHANGE, user_data);
            done.result = std::make_shared<ViewChangeReport>(ViewChangeReport{kind, id});
        } else {
            done.deliver = [user_cb, user_data, kind, id] { user_cb(kind, id.c_str(), user_data); };
        }
        tc_op_id op = queue_.begin(nullptr, [] {});
        if (op == 0) return;
        queue_.complete(op, std::move(done));
    });
}

void Manager::finish(const std::shared_ptr<OpState> &op, runtime::Completion completion) {
    queue_.complete(op->id, std::move(completion));
}

void Manager::notify(const std::shared_ptr<OpState> &op, std::function<void()> deliver) {
    queue_.notify(op->id, std::move(deliver));
}

void Manager::notify(const std::shared_ptr<OpState> &op, runtime::Completion report) {
    queue_.notify(op->id, std::move(report));
}

void Manager::cancel_on_loop(const std::shared_ptr<OpState> &op) {
    op->canceled = true;
    // The operation completes with TC_ECANCELED now; its jobs are stopped and
    // whatever they report afterwards is ignored (complete() ignores repeats).
    queue_.cancel_unfinished_one(op->id);
    std::vector<uint64_t> jobs = op->jobs();
    for (uint64_t job : jobs) engine_->cancel(job);
}

void Manager::shutdown() {
    if (shut_down_) return;
    shut_down_ = true;
    queue_.close();
    if (dispatch_thread_.joinable()) {
        stop_dispatch_.store(true);
        queue_.wakeup();
        if (on_dispatch_thread()) {
            dispatch_thread_.detach();  // deferred free running on the dispatch thread itself
        } else {
            dispatch_thread_.join();
        }
    }
    if (engine_) engine_->stop();  // every job and token waiter completes with TC_ECANCELED
    queue_.cancel_unfinished();
    while (queue_.pending() > 0 && process() > 0) {
    }
    logger_.log(TC_LOG_DEBUG, "manager stopped");
}

}  // namespace tc::core
