#include "core/shard_ops.hpp"

#include "core/paginate.hpp"
#include "helix/conduits.hpp"
#include "helix/validate.hpp"
#include "util/random.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>

namespace tc::core {

std::string new_webhook_secret() {
    unsigned char bytes[32];
    if (!util::secure_random_bytes(bytes, sizeof bytes)) return std::string();
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (unsigned char b : bytes) {
        out.push_back(hex[b >> 4]);
        out.push_back(hex[b & 15]);
    }
    return out;
}

namespace {

using Shards = std::vector<helix::Shard>;
using Outcomes = std::vector<helix::ShardOutcome>;

// Every shard of a conduit, then `then`.
void fetch_shards(Manager &m, const OpPtr &op, const std::string &conduit_id, const std::string &status,
                  std::function<void(Outcome<Shards> &&)> then) {
    auto collected = std::make_shared<Shards>();
    auto steps = std::make_shared<PageStep>();
    steps->request = [conduit_id, status](const std::string &cursor) {
        return helix::list_shards_call(conduit_id, status, cursor);
    };
    steps->page = [collected](const std::string &body, std::string *next, std::string *error) {
        return helix::parse_shard_page(body, collected.get(), next, error);
    };
    steps->done = [collected, then = std::move(then)](tc_status st, int http, const std::string &message) {
        Outcome<Shards> o = Outcome<Shards>::failed(st, message, http);
        if (st == TC_OK) o.value = std::move(*collected);
        then(std::move(o));
    };
    fetch_all_pages(m, op, steps);
}

void send_update(Manager &m, const OpPtr &op, const std::string &conduit_id,
                 std::vector<helix::ShardAssignment> items, std::function<void(Outcome<Outcomes> &&)> then) {
    auto kept = std::make_shared<std::vector<helix::ShardAssignment>>(std::move(items));
    m.step(op, helix::update_shards_call(conduit_id, *kept), [kept, then = std::move(then)](net::CallResult &&r) {
        if (r.status != TC_OK) return then(Outcome<Outcomes>::failed(r));
        Outcome<Outcomes> o;
        o.http_status = r.http.http_status;
        std::string error;
        if (!helix::parse_shard_update(r.http.body, *kept, &o.value, &error)) {
            return then(Outcome<Outcomes>::failed(TC_EPROTOCOL, error, r.http.http_status));
        }
        size_t failed = static_cast<size_t>(
            std::count_if(o.value.begin(), o.value.end(), [](const helix::ShardOutcome &x) { return !x.ok; }));
        if (failed > 0) {
            // A 202 with errors[] is a partial failure, never a success.
            o.status = TC_EPARTIAL;
            o.message = std::to_string(failed) + " of " + std::to_string(o.value.size()) + " shards were not updated";
            if (failed == 1) {
                auto bad = std::find_if(o.value.begin(), o.value.end(), [](const helix::ShardOutcome &x) { return !x.ok; });
                o.message += ": shard " + bad->shard_id + ": " + bad->message;
            }
        }
        then(std::move(o));
    });
}

// The lowest shard id in [0, count) that has no transport, or -1.
long first_free_shard(const Shards &assigned, int count) {
    std::set<long> taken;
    for (const auto &s : assigned) {
        char *end = nullptr;
        long id = std::strtol(s.id.c_str(), &end, 10);
        if (end != s.id.c_str() && *end == '\0') taken.insert(id);
    }
    for (long id = 0; id < count; ++id) {
        if (taken.count(id) == 0) return id;
    }
    return -1;
}

}  // namespace

void list_shards(Manager &m, const OpPtr &op, const std::string &conduit_id, const std::string &status,
                 Deliver<Shards> deliver) {
    fetch_shards(m, op, conduit_id, status, [&m, op, deliver = std::move(deliver)](Outcome<Shards> &&o) {
        m.finish(op, deliver(std::move(o)));
    });
}

void update_shards(Manager &m, const OpPtr &op, const std::string &conduit_id,
                   std::vector<helix::ShardAssignment> items, Deliver<Outcomes> deliver) {
    send_update(m, op, conduit_id, std::move(items), [&m, op, deliver = std::move(deliver)](Outcome<Outcomes> &&o) {
        m.finish(op, deliver(std::move(o)));
    });
}

void create_shard(Manager &m, const OpPtr &op, const std::string &conduit_id, const std::string &callback,
                  Deliver<helix::Shard> deliver) {
    m.per_conduit().run(conduit_id, [&m, op, conduit_id, callback, deliver = std::move(deliver)](
                                        std::function<void()> release) {
        auto fail = [&m, op, deliver, release](Outcome<helix::Shard> &&o) {
            m.finish(op, deliver(std::move(o)));
            release();
        };
        // 1. How many shards the conduit has.
        fetch_conduits(m, op, [&m, op, conduit_id, callback, deliver, release, fail](
                                  Outcome<std::vector<helix::Conduit>> &&conduits) {
            if (conduits.status != TC_OK) {
                return fail(Outcome<helix::Shard>::failed(conduits.status, conduits.message, conduits.http_status));
            }
            auto found = std::find_if(conduits.value.begin(), conduits.value.end(),
                                      [&](const helix::Conduit &c) { return c.id == conduit_id; });
            if (found == conduits.value.end()) {
                return fail(Outcome<helix::Shard>::failed(TC_ENOTFOUND, "conduit " + conduit_id + " not found"));
            }
            const int count = found->shard_count;
            // 2. Which of them already have a transport.
            fetch_shards(m, op, conduit_id, "", [&m, op, conduit_id, callback, count, deliver, release, fail](
                                                    Outcome<Shards> &&shards) {
                if (shards.status != TC_OK) {
                    return fail(Outcome<helix::Shard>::failed(shards.status, shards.message, shards.http_status));
                }
                // 3. Assign the free shard (growing the conduit first when there is none).
                auto assign = [&m, op, conduit_id, callback, deliver, release, fail](long shard_id) {
                    helix::ShardAssignment a;
                    a.shard_id = std::to_string(shard_id);
                    a.transport.type = TC_TRANSPORT_WEBHOOK;
                    a.transport.method = "webhook";
                    a.transport.callback = callback;
                    a.transport.secret = new_webhook_secret();
                    if (a.transport.secret->empty()) {
                        return fail(Outcome<helix::Shard>::failed(TC_ERROR, "the system CSPRNG failed"));
                    }
                    std::vector<helix::ShardAssignment> items{std::move(a)};
                    send_update(m, op, conduit_id, std::move(items), [&m, op, deliver, release](Outcome<Outcomes> &&o) {
                        Outcome<helix::Shard> result;
                        result.http_status = o.http_status;
                        if (o.status == TC_OK && o.value.size() == 1) {
                            result.value = std::move(o.value.front().shard);
                        } else if (o.status == TC_EPARTIAL && o.value.size() == 1) {
                            result = Outcome<helix::Shard>::failed(TC_EBADREQUEST, o.value.front().message, o.http_status);
                        } else {
                            result = Outcome<helix::Shard>::failed(o.status, o.message, o.http_status);
                        }
                        m.finish(op, deliver(std::move(result)));
                        release();
                    });
                };
                long free_id = first_free_shard(shards.value, count);
                if (free_id >= 0) return assign(free_id);
                if (count >= helix::kMaxShardCount) {
                    return fail(Outcome<helix::Shard>::failed(TC_ERATELIMIT, "the conduit already has 20000 shards"));
                }
                m.step(op, helix::update_conduit_call(conduit_id, count + 1),
                       [count, assign, fail](net::CallResult &&r) {
                           if (r.status != TC_OK) return fail(Outcome<helix::Shard>::failed(r));
                           assign(count);
                       });
            });
        });
    });
}

void remove_shard(Manager &m, const OpPtr &op, const std::string &conduit_id, long shard_id,
                  std::optional<helix::Transport> replacement, Deliver<helix::Conduit> deliver) {
    m.per_conduit().run(conduit_id, [&m, op, conduit_id, shard_id, replacement, deliver](std::function<void()> release) {
        auto done = [&m, op, deliver, release](Outcome<helix::Conduit> &&o) {
            m.finish(op, deliver(std::move(o)));
            release();
        };
        auto shrink = [&m, op, conduit_id, done](int new_count) {
            m.step(op, helix::update_conduit_call(conduit_id, new_count), [done](net::CallResult &&r) {
                if (r.status != TC_OK) return done(Outcome<helix::Conduit>::failed(r));
                std::vector<helix::Conduit> list;
                std::string error;
                if (!helix::parse_conduits(r.http.body, &list, &error) || list.size() != 1) {
                    return done(Outcome<helix::Conduit>::failed(TC_EPROTOCOL, error.empty() ? "expected one conduit" : error));
                }
                Outcome<helix::Conduit> o;
                o.http_status = r.http.http_status;
                o.value = list.front();
                done(std::move(o));
            });
        };
        fetch_conduits(m, op, [&m, op, conduit_id, shard_id, replacement, done, shrink](
                                  Outcome<std::vector<helix::Conduit>> &&conduits) {
            if (conduits.status != TC_OK) {
                return done(Outcome<helix::Conduit>::failed(conduits.status, conduits.message, conduits.http_status));
            }
            auto found = std::find_if(conduits.value.begin(), conduits.value.end(),
                                      [&](const helix::Conduit &c) { return c.id == conduit_id; });
            if (found == conduits.value.end()) {
                return done(Outcome<helix::Conduit>::failed(TC_ENOTFOUND, "conduit " + conduit_id + " not found"));
            }
            const int count = found->shard_count;
            if (shard_id >= count) {
                return done(Outcome<helix::Conduit>::failed(TC_EINVAL, "the conduit has no shard " + std::to_string(shard_id)));
            }
            if (count == 1) return done(Outcome<helix::Conduit>::failed(TC_EINVAL, "a conduit keeps at least one shard"));
            if (shard_id == count - 1) return shrink(count - 1);
            // Move the last shard's transport into the freed slot first.
            fetch_shards(m, op, conduit_id, "", [&m, op, conduit_id, shard_id, count, replacement, done, shrink](
                                                    Outcome<Shards> &&shards) {
                if (shards.status != TC_OK) {
                    return done(Outcome<helix::Conduit>::failed(shards.status, shards.message, shards.http_status));
                }
                const std::string last_id = std::to_string(count - 1);
                auto last = std::find_if(shards.value.begin(), shards.value.end(),
                                         [&](const helix::Shard &s) { return s.id == last_id; });
                if (last == shards.value.end()) {
                    return done(Outcome<helix::Conduit>::failed(
                        TC_EINVAL, "shard " + last_id + " has no transport to move into shard " + std::to_string(shard_id)));
                }
                helix::Transport moving = last->transport;
                if (moving.type == TC_TRANSPORT_WEBHOOK) {
                    if (!replacement || replacement->callback != moving.callback || !replacement->secret) {
                        return done(Outcome<helix::Conduit>::failed(
                            TC_EINVAL, "shard " + last_id + " is a webhook: pass its transport with the secret as last_transport"));
                    }
                    moving = *replacement;
                }
                std::vector<helix::ShardAssignment> items{{std::to_string(shard_id), moving}};
                send_update(m, op, conduit_id, std::move(items), [count, done, shrink](Outcome<Outcomes> &&o) {
                    if (o.status != TC_OK) {
                        std::string why = o.value.size() == 1 ? o.value.front().message : o.message;
                        return done(Outcome<helix::Conduit>::failed(o.status == TC_EPARTIAL ? TC_EBADREQUEST : o.status,
                                                                    "moving the last shard failed: " + why, o.http_status));
                    }
                    shrink(count - 1);
                });
            });
        });
    });
}

}  // namespace tc::core
