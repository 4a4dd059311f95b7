#include "core/view_sync.hpp"

#include "core/conduit_ops.hpp"
#include "core/paginate.hpp"
#include "helix/shards.hpp"
#include "helix/subscriptions.hpp"

namespace tc::core {

namespace {

using Then = std::function<void(tc_status, int, const std::string &)>;

// Every page of a listing into `collect`, then `then`.
template <class Item>
void fetch_all(Manager &m, const std::shared_ptr<OpState> &op, std::function<net::Call(const std::string &)> request,
               std::function<bool(const std::string &, std::vector<Item> *, std::string *, std::string *)> parse,
               std::shared_ptr<std::vector<Item>> collect, Then then) {
    auto steps = std::make_shared<PageStep>();
    steps->request = std::move(request);
    steps->page = [parse = std::move(parse), collect](const std::string &body, std::string *next, std::string *error) {
        std::vector<Item> page;
        if (!parse(body, &page, next, error)) return false;
        for (auto &item : page) collect->push_back(std::move(item));
        return true;
    };
    steps->done = std::move(then);
    fetch_all_pages(m, op, steps);
}

struct SyncState {
    ViewSnapshot snapshot;
    size_t next_conduit = 0;
    Deliver<int> deliver;
};

void fetch_subscriptions(Manager &m, const std::shared_ptr<OpState> &op, std::shared_ptr<SyncState> state) {
    auto subs = std::make_shared<std::vector<helix::Subscription>>();
    fetch_all<helix::Subscription>(
        m, op, [](const std::string &cursor) { return helix::list_subscriptions_call(helix::SubscriptionFilter{}, cursor); },
        [](const std::string &body, std::vector<helix::Subscription> *out, std::string *next, std::string *error) {
            helix::CostInfo cost;
            return helix::parse_subscription_page(body, out, next, &cost, error);
        },
        subs, [&m, op, state, subs](tc_status st, int http, const std::string &message) {
            if (st != TC_OK) return m.finish(op, state->deliver(Outcome<int>::failed(st, message, http)));
            state->snapshot.subscriptions = std::move(*subs);
            m.view().replace(std::move(state->snapshot));
            m.finish(op, state->deliver(Outcome<int>{}));
        });
}

// The conduits' shards one conduit after another, then the subscriptions.
void fetch_next_shards(Manager &m, const std::shared_ptr<OpState> &op, std::shared_ptr<SyncState> state) {
    if (state->next_conduit == state->snapshot.conduits.size()) return fetch_subscriptions(m, op, state);
    const std::string conduit_id = state->snapshot.conduits[state->next_conduit++].id;
    auto shards = std::make_shared<std::vector<helix::Shard>>();
    fetch_all<helix::Shard>(
        m, op, [conduit_id](const std::string &cursor) { return helix::list_shards_call(conduit_id, "", cursor); },
        helix::parse_shard_page, shards, [&m, op, state, shards, conduit_id](tc_status st, int http, const std::string &message) {
            if (st != TC_OK) return m.finish(op, state->deliver(Outcome<int>::failed(st, message, http)));
            state->snapshot.shards[conduit_id] = std::move(*shards);
            fetch_next_shards(m, op, state);
        });
}

}  // namespace

void sync_view(Manager &m, const std::shared_ptr<OpState> &op, Deliver<int> deliver) {
    auto state = std::make_shared<SyncState>();
    state->deliver = std::move(deliver);
    fetch_conduits(m, op, [&m, op, state](Outcome<std::vector<helix::Conduit>> &&o) {
        if (o.status != TC_OK) return m.finish(op, state->deliver(Outcome<int>::failed(o.status, o.message, o.http_status)));
        state->snapshot.conduits = std::move(o.value);
        fetch_next_shards(m, op, state);
    });
}

}  // namespace tc::core
