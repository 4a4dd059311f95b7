#include "core/conduit_ops.hpp"

#include "helix/conduits.hpp"

namespace tc::core {

namespace {
// The single conduit of a create/update answer.
Outcome<helix::Conduit> one_conduit(net::CallResult &&r) {
    if (r.status != TC_OK) return Outcome<helix::Conduit>::failed(r);
    std::vector<helix::Conduit> list;
    std::string error;
    if (!helix::parse_conduits(r.http.body, &list, &error) || list.size() != 1) {
        return Outcome<helix::Conduit>::failed(TC_EPROTOCOL, error.empty() ? "expected one conduit" : error,
                                               r.http.http_status);
    }
    Outcome<helix::Conduit> o;
    o.http_status = r.http.http_status;
    o.value = std::move(list.front());
    return o;
}
}  // namespace

void fetch_conduits(Manager &m, const OpPtr &op,
                    std::function<void(Outcome<std::vector<helix::Conduit>> &&)> then) {
    m.step(op, helix::list_conduits_call(), [then = std::move(then)](net::CallResult &&r) {
        using Result = Outcome<std::vector<helix::Conduit>>;
        if (r.status != TC_OK) return then(Result::failed(r));
        Result o;
        o.http_status = r.http.http_status;
        std::string error;
        if (!helix::parse_conduits(r.http.body, &o.value, &error)) {
            return then(Result::failed(TC_EPROTOCOL, error, r.http.http_status));
        }
        then(std::move(o));
    });
}

void list_conduits(Manager &m, const OpPtr &op, Deliver<std::vector<helix::Conduit>> deliver) {
    fetch_conduits(m, op, [&m, op, deliver = std::move(deliver)](Outcome<std::vector<helix::Conduit>> &&o) {
        m.finish(op, deliver(std::move(o)));
    });
}

void create_conduit(Manager &m, const OpPtr &op, int shard_count, Deliver<helix::Conduit> deliver) {
    m.run_call(op, helix::create_conduit_call(shard_count),
               [deliver = std::move(deliver)](net::CallResult &&r) { return deliver(one_conduit(std::move(r))); });
}

void update_conduit(Manager &m, const OpPtr &op, const std::string &conduit_id, int shard_count,
                    Deliver<helix::Conduit> deliver) {
    m.run_call(op, helix::update_conduit_call(conduit_id, shard_count),
               [deliver = std::move(deliver)](net::CallResult &&r) { return deliver(one_conduit(std::move(r))); });
}

}  // namespace tc::core
