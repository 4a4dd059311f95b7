// runtime/completion_queue: exactly-once completion, cancellation, delivery on
// the processing thread, the pollable fd, wait/wakeup and reentrancy state.
// Threads synchronise on conditions with timeouts, never on sleeps.
#include "unit.hpp"

#include "runtime/completion_queue.hpp"
#include "util/last_error.hpp"

#include <poll.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

using tc::runtime::Completion;
using tc::runtime::CompletionQueue;
using tc::util::Stats;

namespace {

using Clock = std::chrono::steady_clock;

// Readable right now?
bool readable(int fd) {
    struct pollfd p = {fd, POLLIN, 0};
    int n = poll(&p, 1, 0);
    return n == 1 && (p.revents & POLLIN) != 0;
}

struct Record {
    int delivered = 0;
    int canceled = 0;
    tc_status status = TC_OK;
    std::string message;
    int http_status = -1;
    bool in_callback = false;
    std::thread::id thread;
};

struct Fixture {
    Stats stats;
    CompletionQueue q{stats};
    Fixture() {
        std::string error;
        if (!q.init(&error)) {
            print_error("init: %s\n", error.c_str());
            fail();
        }
    }
};

// Registers an operation whose callbacks record into `rec`.
tc_op_id begin_recorded(CompletionQueue &q, Record &rec, std::function<void()> cancel = nullptr) {
    return q.begin(std::move(cancel), [&q, &rec] {
        ++rec.canceled;
        rec.message = tc::util::last_error();
        rec.http_status = tc::util::last_http_status();
        rec.in_callback = q.in_callback();
        rec.thread = std::this_thread::get_id();
    });
}

Completion completion(CompletionQueue &q, Record &rec, tc_status status, int http_status = 0,
                      std::string message = std::string()) {
    Completion c;
    c.status = status;
    c.http_status = http_status;
    c.message = std::move(message);
    c.deliver = [&q, &rec, status] {
        ++rec.delivered;
        rec.status = status;
        rec.message = tc::util::last_error();
        rec.http_status = tc::util::last_http_status();
        rec.in_callback = q.in_callback();
        rec.thread = std::this_thread::get_id();
    };
    return c;
}

int64_t ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

}  // namespace

static void fresh_queue(void **) {
    Fixture f;
    assert_true(f.q.fd() >= 0);
    assert_false(readable(f.q.fd()));
    assert_int_equal(f.q.pending(), 0);
    assert_false(f.q.has_ready());
    assert_false(f.q.in_callback());
    assert_int_equal(f.q.process(), 0);
    assert_false(f.q.is_pending(1));
}

static void ids_are_distinct_nonzero_and_counted(void **) {
    Fixture f;
    Record rec;
    std::vector<tc_op_id> ids;
    for (int i = 0; i < 5; ++i) {
        tc_op_id id = begin_recorded(f.q, rec);
        assert_true(id != 0);
        for (tc_op_id other : ids) assert_true(id != other);
        ids.push_back(id);
        assert_int_equal(f.q.pending(), ids.size());
        assert_true(f.q.is_pending(id));
    }
    f.q.cancel_unfinished();
    assert_int_equal(f.q.process(), 5);
    assert_int_equal(f.q.pending(), 0);
}

static void complete_then_process_delivers_once(void **) {
    Fixture f;
    Record rec;
    tc_op_id id = begin_recorded(f.q, rec);
    f.q.complete(id, completion(f.q, rec, TC_OK, 200));
    assert_true(f.q.has_ready());
    assert_int_equal(f.q.pending(), 1);  // finished, not yet delivered
    assert_true(f.q.is_pending(id));
    assert_int_equal(rec.delivered, 0);  // nothing runs before process()
    assert_int_equal(f.q.process(), 1);
    assert_int_equal(rec.delivered, 1);
    assert_int_equal(rec.canceled, 0);
    assert_true(rec.thread == std::this_thread::get_id());
    assert_int_equal(f.q.pending(), 0);
    assert_false(f.q.is_pending(id));
    assert_false(f.q.has_ready());
    assert_int_equal(f.stats.get(TC_STAT_OPERATIONS), 1);
}

static void second_complete_is_ignored(void **) {
    Fixture f;
    Record rec;
    tc_op_id id = begin_recorded(f.q, rec);
    f.q.complete(id, completion(f.q, rec, TC_OK));
    f.q.complete(id, completion(f.q, rec, TC_ESERVER, 503, "late"));
    assert_int_equal(f.q.process(), 1);
    assert_int_equal(rec.delivered, 1);
    assert_int_equal(rec.status, TC_OK);
    // After delivery the id is gone: completing it again does nothing.
    f.q.complete(id, completion(f.q, rec, TC_ESERVER, 503, "later"));
    assert_false(f.q.has_ready());
    assert_false(readable(f.q.fd()));
    assert_int_equal(f.q.process(), 0);
    assert_int_equal(rec.delivered, 1);
    assert_int_equal(f.stats.get(TC_STAT_OPERATIONS), 1);
}

static void complete_unknown_id_is_ignored(void **) {
    Fixture f;
    Record rec;
    f.q.complete(0, completion(f.q, rec, TC_OK));
    f.q.complete(12345, completion(f.q, rec, TC_OK));
    assert_false(f.q.has_ready());
    assert_false(readable(f.q.fd()));
    assert_int_equal(f.q.process(), 0);
    assert_int_equal(rec.delivered, 0);
}

static void cancel_outcomes(void **) {
    Fixture f;
    Record rec;
    int hook_runs = 0;
    std::thread::id hook_thread;
    tc_op_id id = begin_recorded(f.q, rec, [&] {
        ++hook_runs;
        hook_thread = std::this_thread::get_id();
    });
    assert_int_equal(f.q.cancel(0), TC_ENOTFOUND);
    assert_int_equal(f.q.cancel(id + 100), TC_ENOTFOUND);
    assert_int_equal(hook_runs, 0);
    // A pending operation: the hook runs on the calling thread; the operation
    // stays pending until someone completes it.
    assert_int_equal(f.q.cancel(id), TC_OK);
    assert_int_equal(hook_runs, 1);
    assert_true(hook_thread == std::this_thread::get_id());
    assert_true(f.q.is_pending(id));
    f.q.complete(id, completion(f.q, rec, TC_ECANCELED, 0, "operation canceled"));
    // Completed but not yet delivered: too late to cancel.
    assert_int_equal(f.q.cancel(id), TC_ENOTFOUND);
    assert_int_equal(f.q.process(), 1);
    // Delivered: unknown.
    assert_int_equal(f.q.cancel(id), TC_ENOTFOUND);
    assert_int_equal(hook_runs, 1);
    assert_int_equal(rec.delivered, 1);
    assert_int_equal(rec.status, TC_ECANCELED);
}

static void cancel_hook_that_completes_delivers_once(void **) {
    Fixture f;
    Record rec;
    tc_op_id id = 0;
    id = begin_recorded(f.q, rec, [&] { f.q.complete(id, completion(f.q, rec, TC_ECANCELED, 0, "canceled")); });
    assert_int_equal(f.q.cancel(id), TC_OK);
    assert_int_equal(f.q.cancel(id), TC_ENOTFOUND);
    f.q.cancel_unfinished();  // the teardown net finds nothing left to do
    assert_int_equal(f.q.process(), 1);
    assert_int_equal(rec.delivered, 1);
    assert_int_equal(rec.canceled, 0);
    assert_int_equal(rec.status, TC_ECANCELED);
}

static void cancel_without_hook(void **) {
    Fixture f;
    Record rec;
    tc_op_id id = begin_recorded(f.q, rec, nullptr);
    assert_int_equal(f.q.cancel(id), TC_OK);
    assert_true(f.q.is_pending(id));
    f.q.cancel_unfinished_one(id);
    assert_int_equal(f.q.process(), 1);
    assert_int_equal(rec.canceled, 1);
}

static void cancel_all_runs_hooks_of_unfinished_only(void **) {
    Fixture f;
    Record rec;
    int hooks[3] = {0, 0, 0};
    tc_op_id a = begin_recorded(f.q, rec, [&] { ++hooks[0]; });
    tc_op_id b = begin_recorded(f.q, rec, [&] { ++hooks[1]; });
    begin_recorded(f.q, rec, [&] { ++hooks[2]; });
    (void)a;
    f.q.complete(b, completion(f.q, rec, TC_OK));
    f.q.cancel_all();
    assert_int_equal(hooks[0], 1);
    assert_int_equal(hooks[1], 0);
    assert_int_equal(hooks[2], 1);
    assert_int_equal(f.q.pending(), 3);  // hooks only ask; nothing completed yet
    f.q.cancel_unfinished();
    assert_int_equal(f.q.process(), 3);
}

static void cancel_unfinished_delivers_ecanceled(void **) {
    Fixture f;
    Record done, r1, r2;
    tc_op_id a = begin_recorded(f.q, done);
    tc_op_id b = begin_recorded(f.q, r1);
    tc_op_id c = begin_recorded(f.q, r2);
    f.q.complete(a, completion(f.q, done, TC_OK, 200));
    tc::util::set_last_error("stale message from before");
    f.q.cancel_unfinished();
    assert_true(readable(f.q.fd()));
    // Cancelled ones are finished: cancel() and complete() no longer touch them.
    assert_int_equal(f.q.cancel(b), TC_ENOTFOUND);
    f.q.complete(c, completion(f.q, r2, TC_OK));
    f.q.cancel_unfinished();  // idempotent
    assert_int_equal(f.q.process(), 3);
    assert_int_equal(done.delivered, 1);
    assert_int_equal(done.canceled, 0);
    assert_int_equal(done.status, TC_OK);
    TC_ASSERT_STR(done.message, "");  // success clears the thread's message
    for (Record *r : {&r1, &r2}) {
        assert_int_equal(r->delivered, 0);
        assert_int_equal(r->canceled, 1);
        TC_ASSERT_STR(r->message, "operation canceled");
        assert_int_equal(r->http_status, 0);
        assert_true(r->in_callback);
    }
    assert_int_equal(f.q.pending(), 0);
    assert_false(readable(f.q.fd()));
    assert_int_equal(f.stats.get(TC_STAT_OPERATIONS), 3);
}

static void cancel_unfinished_one_touches_only_that_one(void **) {
    Fixture f;
    Record r1, r2;
    tc_op_id a = begin_recorded(f.q, r1);
    tc_op_id b = begin_recorded(f.q, r2);
    f.q.cancel_unfinished_one(9999);  // unknown: nothing
    assert_false(f.q.has_ready());
    f.q.cancel_unfinished_one(a);
    f.q.cancel_unfinished_one(a);  // twice: still once
    assert_int_equal(f.q.process(), 1);
    assert_int_equal(r1.canceled, 1);
    assert_true(f.q.is_pending(b));
    // Completed (not yet delivered) is not cancelled on top.
    f.q.complete(b, completion(f.q, r2, TC_OK));
    f.q.cancel_unfinished_one(b);
    assert_int_equal(f.q.process(), 1);
    assert_int_equal(r2.delivered, 1);
    assert_int_equal(r2.canceled, 0);
}

static void last_error_and_http_status_inside_delivery(void **) {
    Fixture f;
    Record fail_rec, ok_rec;
    tc_op_id a = begin_recorded(f.q, fail_rec);
    tc_op_id b = begin_recorded(f.q, ok_rec);
    f.q.complete(a, completion(f.q, fail_rec, TC_ESERVER, 503, "Service Unavailable\nretry later"));
    f.q.complete(b, completion(f.q, ok_rec, TC_OK, 202, "ignored on success"));
    tc::util::set_last_http_status(77);
    assert_int_equal(f.q.process(), 2);
    TC_ASSERT_STR(fail_rec.message, "Service Unavailable retry later");  // one line
    assert_int_equal(fail_rec.http_status, 503);
    TC_ASSERT_STR(ok_rec.message, "");
    assert_int_equal(ok_rec.http_status, 202);
    assert_int_equal(tc::util::last_http_status(), 0);  // not left behind
}

static void in_callback_tracks_the_queue_and_nests(void **) {
    Stats stats;
    CompletionQueue outer(stats), inner(stats);
    std::string error;
    assert_true(outer.init(&error));
    assert_true(inner.init(&error));
    bool outer_in_outer = false, inner_in_outer = true, inner_in_inner = false, outer_in_inner = true,
         outer_after_nested = false;
    tc_op_id inner_id = inner.begin(nullptr, [] {});
    tc_op_id outer_id = outer.begin(nullptr, [] {});
    Completion ic;
    ic.deliver = [&] {
        inner_in_inner = inner.in_callback();
        outer_in_inner = outer.in_callback();
    };
    inner.complete(inner_id, std::move(ic));
    Completion oc;
    oc.deliver = [&] {
        outer_in_outer = outer.in_callback();
        inner_in_outer = inner.in_callback();
        inner.process();  // a second manager processed from inside a callback
        outer_after_nested = outer.in_callback();
    };
    outer.complete(outer_id, std::move(oc));
    assert_false(outer.in_callback());
    assert_int_equal(outer.process(), 1);
    assert_true(outer_in_outer);
    assert_false(inner_in_outer);
    assert_true(inner_in_inner);
    assert_false(outer_in_inner);
    assert_true(outer_after_nested);
    assert_false(outer.in_callback());
    assert_false(inner.in_callback());
    // Another thread is never "in" this thread's callback.
    bool other_thread_sees = true;
    tc_op_id id = outer.begin(nullptr, [] {});
    Completion c;
    c.deliver = [&] {
        std::thread t([&] { other_thread_sees = outer.in_callback(); });
        t.join();
    };
    outer.complete(id, std::move(c));
    outer.process();
    assert_false(other_thread_sees);
}

static void fd_readable_iff_deliveries_ready(void **) {
    Fixture f;
    Record r1, r2, r3;
    tc_op_id a = begin_recorded(f.q, r1);
    tc_op_id b = begin_recorded(f.q, r2);
    tc_op_id c = begin_recorded(f.q, r3);
    assert_false(readable(f.q.fd()));  // pending is not ready
    f.q.complete(a, completion(f.q, r1, TC_OK));
    assert_true(readable(f.q.fd()));
    f.q.complete(b, completion(f.q, r2, TC_OK));
    assert_true(readable(f.q.fd()));
    assert_int_equal(f.q.process(), 2);
    assert_false(readable(f.q.fd()));  // drained in one go
    assert_false(f.q.has_ready());
    f.q.complete(c, completion(f.q, r3, TC_OK));
    assert_true(readable(f.q.fd()));
    assert_int_equal(f.q.process(), 1);
    assert_false(readable(f.q.fd()));
    assert_int_equal(f.q.process(), 0);
    assert_false(readable(f.q.fd()));
}

static void completion_during_delivery_is_left_ready(void **) {
    Fixture f;
    Record r2;
    tc_op_id second = begin_recorded(f.q, r2);
    tc_op_id first = f.q.begin(nullptr, [] {});
    bool readable_inside = true;
    Completion c;
    c.deliver = [&] {
        readable_inside = readable(f.q.fd());  // drained before this batch ran
        f.q.complete(second, completion(f.q, r2, TC_OK));
    };
    f.q.complete(first, std::move(c));
    assert_int_equal(f.q.process(), 1);
    assert_false(readable_inside);
    assert_int_equal(r2.delivered, 0);
    assert_true(f.q.has_ready());
    assert_true(readable(f.q.fd()));
    assert_int_equal(f.q.process(), 1);
    assert_int_equal(r2.delivered, 1);
    assert_false(readable(f.q.fd()));
}

static void nested_process_does_not_deliver_twice(void **) {
    Fixture f;
    int runs[3] = {0, 0, 0};
    int nested_ran = -1;
    tc_op_id ids[3];
    for (auto &id : ids) id = f.q.begin(nullptr, [] {});
    for (int i = 0; i < 3; ++i) {
        Completion c;
        c.deliver = [&, i] {
            ++runs[i];
            if (i == 0) nested_ran = f.q.process();
        };
        f.q.complete(ids[i], std::move(c));
    }
    int ran = f.q.process();
    assert_int_equal(nested_ran + ran, 3);
    for (int r : runs) assert_int_equal(r, 1);
    assert_int_equal(f.q.pending(), 0);
}

static void deliveries_run_in_completion_order(void **) {
    Fixture f;
    std::vector<int> order;
    tc_op_id ids[4];
    for (auto &id : ids) id = f.q.begin(nullptr, [] {});
    for (int i : {2, 0, 3, 1}) {
        Completion c;
        c.deliver = [&order, i] { order.push_back(i); };
        f.q.complete(ids[i], std::move(c));
    }
    assert_int_equal(f.q.process(), 4);
    assert_true((order == std::vector<int>{2, 0, 3, 1}));
}

static void wait_timeouts_and_readiness(void **) {
    Fixture f;
    assert_int_equal(f.q.wait(0), TC_ETIMEDOUT);
    Clock::time_point start = Clock::now();
    assert_int_equal(f.q.wait(30), TC_ETIMEDOUT);
    assert_true(ms_since(start) >= 25);
    Record rec;
    tc_op_id id = begin_recorded(f.q, rec);
    assert_int_equal(f.q.wait(0), TC_ETIMEDOUT);  // pending is not ready
    f.q.complete(id, completion(f.q, rec, TC_OK));
    start = Clock::now();
    assert_int_equal(f.q.wait(10000), TC_OK);
    assert_int_equal(f.q.wait(-1), TC_OK);  // still ready: no blocking
    assert_true(ms_since(start) < 5000);
    assert_int_equal(rec.delivered, 0);  // wait never runs callbacks
    assert_int_equal(f.q.process(), 1);
    assert_int_equal(f.q.wait(0), TC_ETIMEDOUT);
}

static void wakeup_is_not_lost_and_is_consumed(void **) {
    Fixture f;
    f.q.wakeup();  // before anyone waits
    assert_int_equal(f.q.wait(10000), TC_OK);
    assert_int_equal(f.q.wait(0), TC_ETIMEDOUT);  // consumed by that wait
    f.q.wakeup();
    f.q.wakeup();
    assert_int_equal(f.q.wait(0), TC_OK);
    assert_int_equal(f.q.wait(0), TC_ETIMEDOUT);
    assert_false(readable(f.q.fd()));  // a wakeup is not a delivery
}

static void wakeup_from_another_thread(void **) {
    Fixture f;
    std::promise<void> started;
    std::future<void> started_f = started.get_future();
    std::thread t([&] {
        started.set_value();
        f.q.wakeup();
    });
    started_f.wait();
    Clock::time_point start = Clock::now();
    tc_status st = f.q.wait(10000);
    t.join();
    assert_int_equal(st, TC_OK);
    assert_true(ms_since(start) < 10000);
}

static void complete_from_another_thread_wakes_wait_and_delivers_here(void **) {
    Fixture f;
    Record rec;
    tc_op_id id = begin_recorded(f.q, rec);
    std::thread t([&] { f.q.complete(id, completion(f.q, rec, TC_OK, 200)); });
    tc_status st = f.q.wait(10000);
    t.join();
    assert_int_equal(st, TC_OK);
    assert_true(readable(f.q.fd()));
    assert_int_equal(f.q.process(), 1);
    assert_int_equal(rec.delivered, 1);
    assert_true(rec.thread == std::this_thread::get_id());
}

static void wait_delivered_and_wait_idle(void **) {
    Fixture f;
    assert_int_equal(f.q.wait_delivered(424242, 0), TC_OK);  // unknown: nothing to wait for
    assert_int_equal(f.q.wait_idle(0), TC_OK);
    Record rec;
    tc_op_id id = begin_recorded(f.q, rec);
    assert_int_equal(f.q.wait_delivered(id, 10), TC_ETIMEDOUT);
    assert_int_equal(f.q.wait_idle(10), TC_ETIMEDOUT);
    f.q.complete(id, completion(f.q, rec, TC_OK));
    assert_int_equal(f.q.wait_delivered(id, 0), TC_ETIMEDOUT);  // completed is not delivered
    // A dispatch thread processes; this one waits for the delivery.
    std::thread dispatcher([&] {
        if (f.q.wait(10000) == TC_OK) f.q.process();
    });
    assert_int_equal(f.q.wait_delivered(id, 10000), TC_OK);
    assert_int_equal(f.q.wait_idle(10000), TC_OK);
    dispatcher.join();
    assert_int_equal(rec.delivered, 1);
}

static void close_refuses_new_work_but_finishes_old(void **) {
    Fixture f;
    Record rec;
    tc_op_id id = begin_recorded(f.q, rec);
    f.q.close();
    Record never;
    assert_int_equal(begin_recorded(f.q, never), 0);
    assert_int_equal(f.q.begin(nullptr, nullptr), 0);
    assert_int_equal(f.q.pending(), 1);
    f.q.complete(id, completion(f.q, rec, TC_OK));
    assert_int_equal(f.q.process(), 1);
    assert_int_equal(rec.delivered, 1);
    assert_int_equal(never.delivered + never.canceled, 0);
    f.q.close();  // twice is fine
    assert_int_equal(f.q.begin(nullptr, nullptr), 0);
}

static void exactly_once_under_racing_completions(void **) {
    // Every operation is completed by several threads at once while the main
    // thread runs the teardown net: each is delivered exactly once.
    Fixture f;
    constexpr int kOps = 200;
    constexpr int kThreads = 4;
    std::vector<int> delivered(kOps, 0), canceled(kOps, 0);
    std::vector<tc_op_id> ids(kOps);
    for (int i = 0; i < kOps; ++i) {
        ids[i] = f.q.begin(nullptr, [&canceled, i] { ++canceled[i]; });
    }
    std::promise<void> go;
    std::shared_future<void> go_f = go.get_future().share();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, go_f] {
            go_f.wait();
            for (int i = 0; i < kOps; ++i) {
                Completion c;
                c.deliver = [&delivered, i] { ++delivered[i]; };
                f.q.complete(ids[i], std::move(c));
            }
        });
    }
    go.set_value();
    f.q.cancel_unfinished();
    for (auto &th : threads) th.join();
    int total = 0;
    while (f.q.pending() > 0) {
        assert_int_equal(f.q.wait(10000), TC_OK);
        total += f.q.process();
    }
    assert_int_equal(total, kOps);
    for (int i = 0; i < kOps; ++i) assert_int_equal(delivered[i] + canceled[i], 1);
    assert_false(readable(f.q.fd()));
    assert_int_equal(f.stats.get(TC_STAT_OPERATIONS), kOps);
}

static void destroying_with_undelivered_work_is_clean(void **) {
    // Captured state is released by the destructor (valgrind/ASan check this).
    auto big = std::make_shared<std::vector<char>>(1 << 16);
    {
        Fixture f;
        tc_op_id a = f.q.begin([big] {}, [big] {});
        tc_op_id b = f.q.begin([big] {}, [big] {});
        Completion c;
        c.deliver = [big] {};
        f.q.complete(a, std::move(c));
        (void)b;
    }
    assert_int_equal(big.use_count(), 1);
}

static void delivery_releases_captures_before_returning(void **) {
    Fixture f;
    auto token = std::make_shared<int>(1);
    tc_op_id id = f.q.begin([token] {}, [token] {});
    Completion c;
    c.deliver = [token] {};
    f.q.complete(id, std::move(c));
    assert_int_equal(f.q.process(), 1);
    assert_int_equal(token.use_count(), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fresh_queue),
        cmocka_unit_test(ids_are_distinct_nonzero_and_counted),
        cmocka_unit_test(complete_then_process_delivers_once),
        cmocka_unit_test(second_complete_is_ignored),
        cmocka_unit_test(complete_unknown_id_is_ignored),
        cmocka_unit_test(cancel_outcomes),
        cmocka_unit_test(cancel_hook_that_completes_delivers_once),
        cmocka_unit_test(cancel_without_hook),
        cmocka_unit_test(cancel_all_runs_hooks_of_unfinished_only),
        cmocka_unit_test(cancel_unfinished_delivers_ecanceled),
        cmocka_unit_test(cancel_unfinished_one_touches_only_that_one),
        cmocka_unit_test(last_error_and_http_status_inside_delivery),
        cmocka_unit_test(in_callback_tracks_the_queue_and_nests),
        cmocka_unit_test(fd_readable_iff_deliveries_ready),
        cmocka_unit_test(completion_during_delivery_is_left_ready),
        cmocka_unit_test(nested_process_does_not_deliver_twice),
        cmocka_unit_test(deliveries_run_in_completion_order),
        cmocka_unit_test(wait_timeouts_and_readiness),
        cmocka_unit_test(wakeup_is_not_lost_and_is_consumed),
        cmocka_unit_test(wakeup_from_another_thread),
        cmocka_unit_test(complete_from_another_thread_wakes_wait_and_delivers_here),
        cmocka_unit_test(wait_delivered_and_wait_idle),
        cmocka_unit_test(close_refuses_new_work_but_finishes_old),
        cmocka_unit_test(exactly_once_under_racing_completions),
        cmocka_unit_test(destroying_with_undelivered_work_is_clean),
        cmocka_unit_test(delivery_releases_captures_before_returning),
    };
    return cmocka_run_group_tests_name("completion_queue", tests, nullptr, nullptr);
}
