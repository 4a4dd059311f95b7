// The runner's decisions as pure functions: how long to back off, when a
// silent socket is dead, what a close code means, whether a shard needs
// repair, how far to grow a conduit. The runner only carries them out.
#pragma once

#include <twitchconduits/transport.h>

#include <cstdint>
#include <string>

namespace tc::run {

// Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))], with
// `unit` in [0, 1) the random draw. attempt 0 (the first connection) is 0.
int64_t backoff_delay_ms(int attempt, int64_t base_ms, int64_t cap_ms, double unit);

// Silence after which a socket is dead: the session's keepalive (10 s when
// unknown, as Twitch's default) plus the margin.
int64_t watchdog_deadline_ms(int keepalive_timeout_s, int64_t margin_ms);

// What a close frame from EventSub means for its shard (reference §7.3).
struct CloseAdvice {
    std::string status;  // the shard status Twitch is expected to report
    std::string reason;  // one line for logs and tc_runner_shard_error()
    bool our_bug = false;  // 4001 (we sent something) or 4003 (we did not assign in time)
    bool backoff = true;   // wait before reconnecting (false: reconnect at once)
};
CloseAdvice advise_close(int close_code);

// Whether a shard Twitch lists needs the runner's attention.
enum class Repair { None, Reassign, Reconnect };
struct ShardView {
    tc_transport_type transport = TC_TRANSPORT_OTHER;  // as Twitch lists it
    std::string status;
    std::string session_id;  // websocket only
    std::string callback;    // webhook only
};
struct OwnedShard {
    tc_transport_type transport = TC_TRANSPORT_WEBSOCKET;
    bool settled = false;     // assigned and not in the middle of a (re)connect or update
    std::string session_id;   // websocket: our current session
    std::string callback;     // webhook: our callback
};
Repair needs_repair(const ShardView &twitch, const OwnedShard &ours);

// The shard count to grow a conduit to, or 0 when it already has enough.
int grow_to(int current, int wanted);

// ws_url with ?keepalive_timeout_seconds=N (or &...) when keepalive_s > 0.
std::string ws_connect_url(const std::string &base, int keepalive_s);

}  // namespace tc::run
