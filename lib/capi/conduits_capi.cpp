// tc_conduits_*: the manager handle and its caller-driven loop.
#include "capi/guard.hpp"
#include "capi/options_init.hpp"
#include "capi/handles.hpp"
#include "capi/loop.hpp"
#include "capi/metrics.hpp"
#include "capi/options.hpp"

#include <chrono>
#include <cstring>

using tc::capi::fail;
using tc::capi::guarded;
using tc::capi::valid;

namespace tc::capi {

void destroy(tc_conduits *c) {
    c->manager->shutdown();  // delivers what is left on this thread
    c->tag = kDeadTag;
    delete c;
}

bool run_ready(tc_conduits *c, int *ran) {
    int n = c->manager->process();
    if (ran != nullptr) *ran = n;
    if (c->manager->free_requested() && !c->manager->queue().in_callback()) {
        destroy(c);
        return false;
    }
    return true;
}

namespace {

// Milliseconds left before `deadline`, or -1 for "no limit".
int remaining_ms(bool limited, std::chrono::steady_clock::time_point deadline) {
    if (!limited) return -1;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Caller-driven loop until `done()` holds. Runs callbacks on this thread.
template <class Done>
tc_status drive_until(tc_conduits *c, int timeout_ms, Done done) {
    const bool limited = timeout_ms >= 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limited ? timeout_ms : 0);
    for (;;) {
        if (done()) return TC_OK;
        int left = remaining_ms(limited, deadline);
        if (limited && left == 0 && !c->manager->queue().has_ready()) {
            return fail(TC_ETIMEDOUT, "timed out waiting for operations to finish");
        }
        c->manager->queue().wait(left);
        if (!run_ready(c, nullptr)) return TC_OK;  // freed from a callback: everything was delivered
    }
}

tc_status check_loop_caller(tc_conduits *c) {
    if (c->manager->dispatch_thread_mode()) {
        return fail(TC_EBUSY, "callbacks run on the dispatch thread (TC_CONDUITS_F_DISPATCH_THREAD)");
    }
    if (c->manager->queue().in_callback()) {
        return fail(TC_EREENTRANT, "the loop cannot be run from inside one of its callbacks");
    }
    return TC_OK;
}

}  // namespace

tc_status check_blocking_caller(tc_conduits *c) {
    if (c->manager->queue().in_callback() || c->manager->on_dispatch_thread()) {
        return fail(TC_EREENTRANT, "cannot block inside a callback: it would wait for itself");
    }
    return TC_OK;
}

tc_status await_op(tc_conduits *c, tc_op_id id, int timeout_ms) {
    tc_status st = check_blocking_caller(c);
    if (st != TC_OK) return st;
    if (c->manager->dispatch_thread_mode()) {
        st = c->manager->queue().wait_delivered(id, timeout_ms);
        return st == TC_OK ? TC_OK : fail(st, "timed out waiting for the operation");
    }
    return drive_until(c, timeout_ms, [c, id] { return !c->manager->queue().is_pending(id); });
}

}  // namespace tc::capi

extern "C" {

TC_API tc_status tc_conduits_options_init(tc_conduits_options *opts, unsigned int version) {
    const tc_conduits_options defaults = TC_CONDUITS_OPTIONS_INIT;
    return tc::capi::init_versioned("tc_conduits_options_init", opts, version, TC_CONDUITS_OPTIONS_VERSION, defaults, tc::capi::conduits_options_size);
}

TC_API tc_status tc_conduits_new(tc_conduits **out, const tc_conduits_options *opts) {
    return guarded([&]() -> tc_status {
        TC_CHECK_ARG(out != nullptr, "out");
        *out = nullptr;
        tc::core::ManagerConfig config;
        std::string error;
        tc_status st = tc::capi::config_from_options(opts, &config, &error);
        if (st != TC_OK) return fail(st, error);
        auto handle = std::make_unique<tc_conduits>();
        handle->manager = tc::core::Manager::create(std::move(config), &st, &error);
        if (!handle->manager) return fail(st, error);
        handle->metrics = tc::capi::register_manager_metrics(handle->manager.get());
        tc_conduits *raw = handle.release();
        raw->manager->set_deferred_free([raw] { tc::capi::destroy(raw); });
        *out = raw;
        return TC_OK;
    });
}

TC_API void tc_conduits_free(tc_conduits *c) {
    if (!valid(c)) return;
    tc::core::Manager &m = *c->manager;
    if (m.queue().in_callback() || m.on_dispatch_thread()) {
        m.request_free();  // whoever is running this callback frees it when it returns
        return;
    }
    guarded([&] {
        tc::capi::destroy(c);
        return TC_OK;
    });
}

TC_API tc_status tc_conduits_wait(tc_conduits *c, int timeout_ms) {
    TC_CHECK_ARG(valid(c), "c");
    tc_status st = tc::capi::check_loop_caller(c);
    if (st != TC_OK) return st;
    return c->manager->queue().wait(timeout_ms);
}

TC_API tc_status tc_conduits_process(tc_conduits *c, int *ran_out) {
    if (ran_out != nullptr) *ran_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    tc_status st = tc::capi::check_loop_caller(c);
    if (st != TC_OK) return st;
    tc::capi::run_ready(c, ran_out);
    return TC_OK;
}

TC_API tc_status tc_conduits_poll(tc_conduits *c, int timeout_ms, int *ran_out) {
    if (ran_out != nullptr) *ran_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    tc_status st = tc::capi::check_loop_caller(c);
    if (st != TC_OK) return st;
    st = c->manager->queue().wait(timeout_ms);
    tc::capi::run_ready(c, ran_out);
    return st;
}

TC_API tc_status tc_conduits_wakeup(tc_conduits *c) {
    TC_CHECK_ARG(valid(c), "c");
    c->manager->queue().wakeup();
    return TC_OK;
}

TC_API int tc_conduits_fd(const tc_conduits *c) {
    if (!valid(c)) {
        fail(TC_EINVAL, "invalid argument: c");
        return -1;
    }
    return c->manager->queue().fd();
}

TC_API tc_status tc_conduits_run(tc_conduits *c, int timeout_ms) {
    TC_CHECK_ARG(valid(c), "c");
    return guarded([&]() -> tc_status {
        tc_status st = tc::capi::check_blocking_caller(c);
        if (st != TC_OK) return st;
        if (c->manager->dispatch_thread_mode()) {
            st = c->manager->queue().wait_idle(timeout_ms);
            return st == TC_OK ? TC_OK : fail(st, "timed out waiting for operations to finish");
        }
        return tc::capi::drive_until(c, timeout_ms, [c] { return c->manager->queue().pending() == 0; });
    });
}

TC_API tc_status tc_conduits_await(tc_conduits *c, tc_op_id id, int timeout_ms) {
    TC_CHECK_ARG(valid(c), "c");
    return guarded([&] { return tc::capi::await_op(c, id, timeout_ms); });
}

TC_API tc_status tc_conduits_cancel(tc_conduits *c, tc_op_id id) {
    TC_CHECK_ARG(valid(c), "c");
    return guarded([&]() -> tc_status {
        tc_status st = c->manager->queue().cancel(id);
        if (st != TC_OK) return fail(st, "operation " + std::to_string(id) + " is not pending");
        return TC_OK;
    });
}

TC_API tc_status tc_conduits_cancel_all(tc_conduits *c) {
    TC_CHECK_ARG(valid(c), "c");
    return guarded([&] {
        c->manager->queue().cancel_all();
        return TC_OK;
    });
}

TC_API size_t tc_conduits_pending(const tc_conduits *c) {
    return valid(c) ? c->manager->queue().pending() : 0;
}

TC_API uint64_t tc_conduits_stat(const tc_conduits *c, tc_stat which) {
    if (!valid(c) || !tc::util::Stats::valid(tc::capi::raw_enum(which))) return 0;
    return c->manager->stats().get(which);
}

}  // extern "C"
