#include "core/subscription_ops.hpp"

#include "core/paginate.hpp"

#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace tc::core {

namespace {

using Keep = std::function<bool(const helix::Subscription &)>;

// Every subscription matching `filter` for which `keep` holds (so memory is
// what is kept, not what is listed), then `then`.
void collect(Manager &m, const OpPtr &op, const helix::SubscriptionFilter &filter, Keep keep,
             std::function<void(Outcome<Subscriptions> &&)> then) {
    auto kept = std::make_shared<Subscriptions>();
    auto steps = std::make_shared<PageStep>();
    steps->request = [filter](const std::string &cursor) { return helix::list_subscriptions_call(filter, cursor); };
    steps->page = [kept, keep = std::move(keep)](const std::string &body, std::string *next, std::string *error) {
        Subscriptions page;
        helix::CostInfo cost;
        if (!helix::parse_subscription_page(body, &page, next, &cost, error)) return false;
        for (auto &s : page) {
            if (keep(s)) kept->push_back(std::move(s));
        }
        return true;
    };
    steps->done = [kept, then = std::move(then)](tc_status st, int http, const std::string &message) {
        Outcome<Subscriptions> o = Outcome<Subscriptions>::failed(st, message, http);
        if (st == TC_OK) o.value = std::move(*kept);
        then(std::move(o));
    };
    fetch_all_pages(m, op, steps);
}

BatchItem item_of(tc_item_outcome outcome, tc_status status, std::string message) {
    BatchItem item;
    item.outcome = outcome;
    item.status = status;
    item.message = std::move(message);
    return item;
}

BatchItem failed_item(const net::CallResult &r) {
    if (r.status == TC_ECANCELED) return BatchItem{};
    return item_of(TC_ITEM_FAILED, r.status, r.message);
}

bool on_conduit(const helix::Subscription &s, const std::string &conduit_id) {
    return s.transport.type == TC_TRANSPORT_CONDUIT && s.transport.conduit_id.value_or("") == conduit_id;
}

// After a 409: find the existing subscription (by the id Twitch named, else
// by looking it up) and report it adopted.
void adopt(Manager &m, const OpPtr &op, const std::string &conduit_id, const helix::SubscriptionSpec &spec,
           const std::string &id_hint, Batch::Done done) {
    const std::string key = helix::subscription_key(spec.type, spec.version, spec.condition);
    helix::SubscriptionFilter filter = id_hint.empty() ? helix::SubscriptionFilter{"type", spec.type}
                                                       : helix::SubscriptionFilter{"subscription_id", id_hint};
    Keep match = [key, conduit_id](const helix::Subscription &s) {
        return helix::subscription_key(s.type, s.version, s.condition) == key && on_conduit(s, conduit_id);
    };
    collect(m, op, filter, match, [done, id_hint](Outcome<Subscriptions> &&o) {
        if (o.status == TC_ECANCELED) return done(BatchItem{});
        if (o.status != TC_OK) return done(item_of(TC_ITEM_FAILED, o.status, "409, then the lookup failed: " + o.message));
        if (o.value.empty()) {
            return done(item_of(TC_ITEM_FAILED, TC_ECONFLICT,
                                "Twitch answered 409 but no matching subscription on this conduit was found"));
        }
        BatchItem item = item_of(TC_ITEM_EXISTED, TC_OK, "already existed");
        item.has_subscription = true;
        item.subscription = std::move(o.value.front());
        done(std::move(item));
    });
}

void create_one(Manager &m, const OpPtr &op, const std::string &conduit_id, const helix::SubscriptionSpec &spec,
                std::shared_ptr<Batch> batch, Batch::Done done) {
    m.step(op, helix::create_subscription_call(conduit_id, spec),
           [&m, op, conduit_id, spec, batch, done](net::CallResult &&r) {
               if (r.status == TC_OK) {
                   BatchItem item = item_of(TC_ITEM_CREATED, TC_OK, "created");
                   std::string error;
                   helix::CostInfo seen;
                   if (!helix::parse_created(r.http.body, &item.subscription, &seen, &error)) {
                       return done(item_of(TC_ITEM_FAILED, TC_EPROTOCOL, error));
                   }
                   helix::merge_cost(&batch->cost(), seen);
                   item.has_subscription = true;
                   return done(std::move(item));
               }
               if (r.http.http_status == 409) return adopt(m, op, conduit_id, spec, helix::conflict_id(r.http.body), done);
               if (r.http.http_status == 429 && helix::is_over_budget(r.message)) {
                   return done(item_of(TC_ITEM_OVER_BUDGET, TC_ERATELIMIT, r.message));
               }
               done(failed_item(r));
           });
}

void delete_one(Manager &m, const OpPtr &op, helix::Subscription sub, Batch::Done done) {
    m.step(op, helix::delete_subscription_call(sub.id), [sub, done](net::CallResult &&r) {
        BatchItem item;
        if (r.status == TC_OK) {
            item = item_of(TC_ITEM_DELETED, TC_OK, "deleted");
        } else if (r.status == TC_ENOTFOUND) {
            item = item_of(TC_ITEM_GONE, TC_OK, "already gone");
        } else {
            return done(failed_item(r));
        }
        item.has_subscription = true;
        item.subscription = sub;
        done(std::move(item));
    });
}

// TC_EPARTIAL when any item failed or was refused, else TC_OK.
Outcome<BatchResult> summarize(BatchResult &&result) {
    Outcome<BatchResult> o;
    size_t bad = 0;
    for (const auto &item : result.items) {
        if (item.outcome == TC_ITEM_FAILED || item.outcome == TC_ITEM_OVER_BUDGET) ++bad;
    }
    if (bad > 0) {
        o.status = TC_EPARTIAL;
        o.message = std::to_string(bad) + " of " + std::to_string(result.items.size()) + " items failed";
    }
    o.value = std::move(result);
    return o;
}

}  // namespace

void create_subscriptions(Manager &m, const OpPtr &op, const std::string &conduit_id,
                          std::vector<helix::SubscriptionSpec> specs, BatchConfig config, Deliver<BatchResult> deliver) {
    auto shared_specs = std::make_shared<std::vector<helix::SubscriptionSpec>>(std::move(specs));
    auto batch_ref = std::make_shared<std::weak_ptr<Batch>>();
    auto batch = std::make_shared<Batch>(
        m, op, shared_specs->size(), std::move(config),
        [&m, op, conduit_id, shared_specs, batch_ref](size_t i, Batch::Done done) {
            create_one(m, op, conduit_id, (*shared_specs)[i], batch_ref->lock(), std::move(done));
        },
        [&m, op, deliver](BatchResult &&result) { m.finish(op, deliver(summarize(std::move(result)))); });
    *batch_ref = batch;
    batch->start();
}

void create_planned_subscriptions(Manager &m, const OpPtr &op, const std::string &conduit_id,
                                  std::vector<PlannedItem> plan, BatchConfig config, Deliver<BatchResult> deliver) {
    auto result = std::make_shared<BatchResult>();
    auto specs = std::make_shared<std::vector<helix::SubscriptionSpec>>();
    auto slots = std::make_shared<std::vector<size_t>>();  // result index of each spec
    result->items.resize(plan.size());
    for (size_t i = 0; i < plan.size(); ++i) {
        if (plan[i].ready) {
            slots->push_back(i);
            specs->push_back(std::move(plan[i].spec));
        } else {
            result->items[i] = item_of(TC_ITEM_FAILED, plan[i].status, std::move(plan[i].message));
        }
    }
    auto batch_ref = std::make_shared<std::weak_ptr<Batch>>();
    auto batch = std::make_shared<Batch>(
        m, op, specs->size(), std::move(config),
        [&m, op, conduit_id, specs, batch_ref](size_t k, Batch::Done done) {
            create_one(m, op, conduit_id, (*specs)[k], batch_ref->lock(), std::move(done));
        },
        [&m, op, deliver, result, slots](BatchResult &&created) {
            for (size_t k = 0; k < slots->size(); ++k) result->items[(*slots)[k]] = std::move(created.items[k]);
            result->cost = created.cost;
            m.finish(op, deliver(summarize(std::move(*result))));
        });
    *batch_ref = batch;
    batch->start();
}

namespace {

struct ListState {
    helix::SubscriptionFilter filter;
    std::string cursor;  // of the next page to fetch ("" once the last page is in)
    std::shared_ptr<PageSink> sink;
    Deliver<int> deliver;
    CursorGuard guard;
    bool fetching = false;     // a page request is in flight
    bool user_busy = false;    // the user's page callback has a page and has not returned
    bool last_fetched = false; // the page without a cursor has arrived
    bool finished = false;
    std::shared_ptr<Subscriptions> ready;  // a fetched page waiting for the user (at most one)
    helix::CostInfo ready_cost;
    std::optional<Outcome<int>> failure;   // an error waiting for the user's current page to return
};

using ListPtr = std::shared_ptr<ListState>;

void hand_page(Manager &m, const OpPtr &op, const ListPtr &state, std::shared_ptr<Subscriptions> page,
               helix::CostInfo cost);

void end_listing(Manager &m, const OpPtr &op, const ListPtr &state, Outcome<int> &&outcome) {
    if (state->finished) return;
    state->finished = true;
    state->ready.reset();
    // A prefetch still in flight is not wanted any more.
    std::vector<uint64_t> jobs = op->jobs();
    for (uint64_t job : jobs) m.engine().cancel(job);
    m.finish(op, state->deliver(std::move(outcome)));
}

// Loop thread: fetches the page after state->cursor. Its answer is parsed
// here and handed to the user at once when the user is idle, else kept as
// the one prefetched page.
void fetch_page(Manager &m, const OpPtr &op, const ListPtr &state) {
    state->fetching = true;
    m.step(op, helix::list_subscriptions_call(state->filter, state->cursor), [&m, op, state](net::CallResult &&r) {
        state->fetching = false;
        if (state->finished) return;
        std::optional<Outcome<int>> failed;
        auto page = std::make_shared<Subscriptions>();
        helix::CostInfo cost;
        std::string next, error;
        if (r.status != TC_OK) {
            failed = Outcome<int>::failed(r);
        } else if (!helix::parse_subscription_page(r.http.body, page.get(), &next, &cost, &error)) {
            failed = Outcome<int>::failed(TC_EPROTOCOL, error, r.http.http_status);
        } else if (!next.empty()) {
            const std::string stop = state->guard.next(next);
            if (!stop.empty()) failed = Outcome<int>::failed(TC_EPROTOCOL, stop, r.http.http_status);
        }
        if (failed) {
            // Reported after the page the user holds, as if fetched after it.
            if (state->user_busy) return void(state->failure = std::move(failed));
            return end_listing(m, op, state, std::move(*failed));
        }
        state->cursor = next;
        state->last_fetched = next.empty();
        if (state->user_busy) {
            state->ready = std::move(page);
            state->ready_cost = cost;
            return;
        }
        hand_page(m, op, state, std::move(page), cost);
    });
}

// Loop thread: the user's page callback returned (go_on = it wants more).
void page_returned(Manager &m, const OpPtr &op, const ListPtr &state, bool go_on) {
    state->user_busy = false;
    if (state->finished || op->canceled) return;  // a cancel that raced the return: fetch nothing more
    if (!go_on) return end_listing(m, op, state, Outcome<int>::failed(TC_EUSER, "stopped by the page callback"));
    if (state->failure) return end_listing(m, op, state, std::move(*state->failure));
    if (state->ready) return hand_page(m, op, state, std::move(state->ready), state->ready_cost);
    if (!state->fetching && state->last_fetched) return end_listing(m, op, state, Outcome<int>{});
    // Otherwise the next page is on its way and is handed over when it arrives.
}

// Loop thread: gives `page` to the user's thread and, while the user reads
// it, fetches the next one (so at most two pages are held: the user's and
// the prefetched one).
void hand_page(Manager &m, const OpPtr &op, const ListPtr &state, std::shared_ptr<Subscriptions> page,
               helix::CostInfo cost) {
    state->user_busy = true;
    if (!state->last_fetched && !state->fetching) fetch_page(m, op, state);
    m.notify(op, state->sink->page(std::move(*page), cost, [&m, op, state](bool go_on) {
        m.engine().loop().post([&m, op, state, go_on] { page_returned(m, op, state, go_on); });
    }));
}

}  // namespace

void list_subscriptions(Manager &m, const OpPtr &op, const helix::SubscriptionFilter &filter,
                        std::shared_ptr<PageSink> sink, Deliver<int> deliver) {
    auto state = std::make_shared<ListState>(ListState{filter, std::string(), std::move(sink), std::move(deliver),
                                                       CursorGuard(m.config().max_list_pages), false, false, false,
                                                       false, nullptr, {}, std::nullopt});
    fetch_page(m, op, state);
}

void cleanup_subscriptions(Manager &m, const OpPtr &op, const std::string &conduit_id, bool include_pending,
                           BatchConfig config, Deliver<BatchResult> deliver) {
    helix::SubscriptionFilter filter = conduit_id.empty() ? helix::SubscriptionFilter{}
                                                          : helix::SubscriptionFilter{"conduit_id", conduit_id};
    Keep broken = [conduit_id, include_pending](const helix::Subscription &s) {
        if (!conduit_id.empty() && !on_conduit(s, conduit_id)) return false;
        if (s.status == "enabled") return false;
        return include_pending || s.status != "webhook_callback_verification_pending";
    };
    collect(m, op, filter, broken, [&m, op, config, deliver](Outcome<Subscriptions> &&found) {
        if (found.status != TC_OK) {
            return m.finish(op, deliver(Outcome<BatchResult>::failed(found.status, found.message, found.http_status)));
        }
        auto victims = std::make_shared<Subscriptions>(std::move(found.value));
        auto batch = std::make_shared<Batch>(
            m, op, victims->size(), config,
            [&m, op, victims](size_t i, Batch::Done done) { delete_one(m, op, (*victims)[i], std::move(done)); },
            [&m, op, deliver](BatchResult &&result) { m.finish(op, deliver(summarize(std::move(result)))); });
        batch->start();
    });
}

void reconcile_subscriptions(Manager &m, const OpPtr &op, const std::string &conduit_id,
                             std::vector<helix::SubscriptionSpec> specs, bool dry_run, BatchConfig config,
                             Deliver<BatchResult> deliver) {
    auto desired = std::make_shared<std::vector<helix::SubscriptionSpec>>(std::move(specs));
    Keep mine = [conduit_id](const helix::Subscription &s) { return on_conduit(s, conduit_id); };
    collect(m, op, helix::SubscriptionFilter{"conduit_id", conduit_id}, mine,
            [&m, op, conduit_id, desired, dry_run, config, deliver](Outcome<Subscriptions> &&existing) {
                if (existing.status != TC_OK) {
                    return m.finish(op, deliver(Outcome<BatchResult>::failed(existing.status, existing.message,
                                                                             existing.http_status)));
                }
                // The plan: adopt enabled matches; delete the rest (extras, and broken ones,
                // which are recreated when wanted); create what is missing.
                std::unordered_map<std::string, const helix::Subscription *> enabled;
                for (const auto &s : existing.value) {
                    if (s.status == "enabled") enabled.emplace(helix::subscription_key(s.type, s.version, s.condition), &s);
                }
                std::unordered_set<std::string> wanted;
                auto plan = std::make_shared<BatchResult>();
                auto to_create = std::make_shared<std::vector<size_t>>();  // indexes into desired
                for (size_t i = 0; i < desired->size(); ++i) {
                    const auto &spec = (*desired)[i];
                    std::string key = helix::subscription_key(spec.type, spec.version, spec.condition);
                    wanted.insert(key);
                    auto found = enabled.find(key);
                    if (found != enabled.end()) {
                        BatchItem item = item_of(TC_ITEM_EXISTED, TC_OK, "already existed");
                        item.has_subscription = true;
                        item.subscription = *found->second;
                        plan->items.push_back(std::move(item));
                    } else {
                        plan->items.push_back(item_of(TC_ITEM_TO_CREATE, TC_OK, "to create"));
                        to_create->push_back(i);
                    }
                }
                auto to_delete = std::make_shared<Subscriptions>();
                for (const auto &s : existing.value) {
                    const bool keep = s.status == "enabled" && wanted.count(helix::subscription_key(s.type, s.version, s.condition)) != 0;
                    if (keep) continue;
                    BatchItem item = item_of(TC_ITEM_TO_DELETE, TC_OK, s.status == "enabled" ? "not wanted" : "status " + s.status);
                    item.has_subscription = true;
                    item.subscription = s;
                    plan->items.push_back(std::move(item));
                    to_delete->push_back(s);
                }
                if (dry_run) return m.finish(op, deliver(summarize(std::move(*plan))));

                // Deletions first (they free type+condition slots), then creations.
                const size_t first_delete = desired->size();
                auto finish_all = [&m, op, deliver, plan, to_create](BatchResult &&created) {
                    for (size_t k = 0; k < to_create->size(); ++k) plan->items[(*to_create)[k]] = std::move(created.items[k]);
                    plan->cost = created.cost;
                    m.finish(op, deliver(summarize(std::move(*plan))));
                };
                auto create_phase = [&m, op, conduit_id, desired, to_create, config, finish_all] {
                    auto batch_ref = std::make_shared<std::weak_ptr<Batch>>();
                    auto batch = std::make_shared<Batch>(
                        m, op, to_create->size(), config,
                        [&m, op, conduit_id, desired, to_create, batch_ref](size_t k, Batch::Done done) {
                            create_one(m, op, conduit_id, (*desired)[(*to_create)[k]], batch_ref->lock(), std::move(done));
                        },
                        finish_all);
                    *batch_ref = batch;
                    batch->start();
                };
                auto deletions = std::make_shared<Batch>(
                    m, op, to_delete->size(), config,
                    [&m, op, to_delete](size_t i, Batch::Done done) { delete_one(m, op, (*to_delete)[i], std::move(done)); },
                    [plan, first_delete, create_phase](BatchResult &&deleted) {
                        for (size_t i = 0; i < deleted.items.size(); ++i) plan->items[first_delete + i] = std::move(deleted.items[i]);
                        create_phase();
                    });
                deletions->start();
            });
}

}  // namespace tc::core
