// The structs behind the domain handles (transports, conduits, shards and
// their lists and results): tagged wrappers around helix values, plus the
// glue that turns a core Outcome into the delivery of a typed callback.
#pragma once

#include "capi/completion_form.hpp"
#include "capi/guard.hpp"
#include "capi/handles.hpp"
#include "core/outcome.hpp"
#include "helix/types.hpp"

#include <twitchconduits/conduit.h>
#include <twitchconduits/shard.h>
#include <twitchconduits/subscription.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tc::events {
struct Message;
}

namespace tc::capi {
// In webhook_capi.cpp: the message inside the handle (nullptr if invalid).
const events::Message *webhook_message(const tc_event *m);
constexpr uint32_t kTransportTag = 0x54435450u;     // "TCTP"
constexpr uint32_t kConduitTag = 0x5443434eu;       // "TCCN"
constexpr uint32_t kConduitListTag = 0x5443434cu;   // "TCCL"
constexpr uint32_t kShardTag = 0x54435348u;         // "TCSH"
constexpr uint32_t kShardListTag = 0x5443534cu;     // "TCSL"
constexpr uint32_t kShardResultTag = 0x54435352u;   // "TCSR"
constexpr uint32_t kSubscriptionTag = 0x54435342u;  // "TCSB"
constexpr uint32_t kSubListTag = 0x5443534bu;       // "TCSK"
constexpr uint32_t kSubBatchTag = 0x54435354u;      // "TCST"
}  // namespace tc::capi

struct tc_transport {
    uint32_t tag = tc::capi::kTransportTag;
    tc::helix::Transport value;
};

struct tc_conduit {
    uint32_t tag = tc::capi::kConduitTag;
    tc::helix::Conduit value;
};

struct tc_conduit_list {
    uint32_t tag = tc::capi::kConduitListTag;
    std::vector<tc_conduit> items;
};

struct tc_shard {
    uint32_t tag = tc::capi::kShardTag;
    std::string id;
    std::string status;
    tc_transport transport;  // handed out as a borrowed pointer
};

struct tc_shard_list {
    uint32_t tag = tc::capi::kShardListTag;
    std::vector<tc_shard> items;
};

struct tc_shard_update_result {
    struct Item {
        std::string shard_id;
        tc_status status = TC_OK;
        std::string message;
        std::string code;
        bool has_shard = false;
        tc_shard shard;
    };
    uint32_t tag = tc::capi::kShardResultTag;
    std::vector<Item> items;
    size_t failed = 0;
};

struct tc_subscription {
    uint32_t tag = tc::capi::kSubscriptionTag;
    std::string id, type, version, status, condition, created_at, user_id;
    int cost = 0;
    tc_transport transport;  // handed out as a borrowed pointer
};

struct tc_subscription_list {
    uint32_t tag = tc::capi::kSubListTag;
    std::vector<tc_subscription> items;
    tc::helix::CostInfo cost;
};

struct tc_subscription_batch {
    struct Item {
        tc_item_outcome outcome = TC_ITEM_CANCELED;
        tc_status status = TC_ECANCELED;
        std::string message;
        bool has_subscription = false;
        tc_subscription subscription;
    };
    uint32_t tag = tc::capi::kSubBatchTag;
    std::vector<Item> items;
    tc::helix::CostInfo cost;
};

namespace tc::capi {

inline bool valid(const tc_transport *p) { return p != nullptr && p->tag == kTransportTag; }
inline bool valid(const tc_conduit *p) { return p != nullptr && p->tag == kConduitTag; }
inline bool valid(const tc_conduit_list *p) { return p != nullptr && p->tag == kConduitListTag; }
inline bool valid(const tc_shard *p) { return p != nullptr && p->tag == kShardTag; }
inline bool valid(const tc_shard_list *p) { return p != nullptr && p->tag == kShardListTag; }
inline bool valid(const tc_shard_update_result *p) { return p != nullptr && p->tag == kShardResultTag; }
inline bool valid(const tc_subscription *p) { return p != nullptr && p->tag == kSubscriptionTag; }
inline bool valid(const tc_subscription_list *p) { return p != nullptr && p->tag == kSubListTag; }
inline bool valid(const tc_subscription_batch *p) { return p != nullptr && p->tag == kSubBatchTag; }

tc_shard make_shard(helix::Shard &&s);
// In subscription_capi.cpp.
tc_subscription make_subscription(helix::Subscription &&s);
std::shared_ptr<tc_conduit> wrap_conduit(helix::Conduit &&c);

// The completion kind that carries each result object.
template <class Obj>
constexpr tc_completion_kind completion_kind();
template <> constexpr tc_completion_kind completion_kind<tc_conduit>() { return TC_COMPLETION_CONDUIT; }
template <> constexpr tc_completion_kind completion_kind<tc_conduit_list>() { return TC_COMPLETION_CONDUIT_LIST; }
template <> constexpr tc_completion_kind completion_kind<tc_shard>() { return TC_COMPLETION_SHARD; }
template <> constexpr tc_completion_kind completion_kind<tc_shard_list>() { return TC_COMPLETION_SHARD_LIST; }
template <> constexpr tc_completion_kind completion_kind<tc_shard_update_result>() { return TC_COMPLETION_SHARD_UPDATE; }
template <> constexpr tc_completion_kind completion_kind<tc_subscription_batch>() { return TC_COMPLETION_BATCH; }

// The completion of a typed callback `cb(status, const Obj *, userdata)` (or
// its pull form when cb is NULL): the object (built by `wrap` from the
// outcome's value) is given when the outcome is TC_OK or TC_EPARTIAL, NULL
// otherwise.
template <class T, class Obj>
core::Deliver<T> deliver_object(void (*cb)(tc_status, const Obj *, void *), void *userdata,
                                std::function<std::shared_ptr<Obj>(T &&)> wrap) {
    return [cb, userdata, wrap = std::move(wrap)](core::Outcome<T> &&o) {
        std::shared_ptr<Obj> obj;
        if (o.status == TC_OK || o.status == TC_EPARTIAL) obj = wrap(std::move(o.value));
        const tc_status status = o.status;
        return completion_for(cb != nullptr, userdata, completion_kind<Obj>(), status, o.http_status,
                              std::move(o.message), obj, [cb, userdata, status, obj] { cb(status, obj.get(), userdata); });
    };
}

// The common _dup / _free / _to_json of the result objects (every type has a
// `valid()` overload and a `tag`).
template <class T>
tc_status dup_object(T **out, const T *in, const char *name) {
    if (out == nullptr) return fail(TC_EINVAL, "invalid argument: out");
    *out = nullptr;
    if (!valid(in)) return fail(TC_EINVAL, std::string("invalid argument: ") + name);
    return guarded([&] {
        *out = new T(*in);
        return TC_OK;
    });
}

template <class T>
void free_object(T *p) {
    if (!valid(p)) return;
    p->tag = kDeadTag;
    delete p;
}

// `encode(const T &)` returns a util::JsonPtr.
template <class T, class Encode>
tc_status object_to_json(char **out, const T *in, const char *name, Encode encode) {
    if (out == nullptr) return fail(TC_EINVAL, "invalid argument: out");
    *out = nullptr;
    if (!valid(in)) return fail(TC_EINVAL, std::string("invalid argument: ") + name);
    return guarded([&] { return json_out(out, encode(*in)); });
}

// cb(TC_ECANCELED, NULL, userdata) or its pull form, for cancellation and teardown.
template <class Obj>
runtime::Completion canceled_object(void (*cb)(tc_status, const Obj *, void *), void *userdata) {
    return canceled_for(cb != nullptr, userdata, completion_kind<Obj>(),
                        [cb, userdata] { cb(TC_ECANCELED, nullptr, userdata); });
}

// Starts a domain operation whose result is one object: the common shape of
// tc_conduit_create, tc_shards_list, ... `run` starts it on the loop thread.
template <class T, class Obj>
tc_status start_object_op(tc_op_id *id_out, tc_conduits *c, void (*cb)(tc_status, const Obj *, void *),
                          void *userdata, std::function<std::shared_ptr<Obj>(T &&)> wrap,
                          std::function<void(core::Manager &, const std::shared_ptr<core::OpState> &, core::Deliver<T>)> run) {
    core::Manager &m = *c->manager;
    core::Deliver<T> deliver = deliver_object<T, Obj>(cb, userdata, std::move(wrap));
    tc_status st = m.start_op(
        id_out,
        [&m, run = std::move(run), deliver = std::move(deliver)](const std::shared_ptr<core::OpState> &op) {
            run(m, op, deliver);
        },
        canceled_object<Obj>(cb, userdata));
    if (st != TC_OK) util::set_last_error("the manager is being freed");
    return st;
}

}  // namespace tc::capi
