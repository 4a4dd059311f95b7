// twurple's way to create N conduit subscriptions at once: one
// createSubscription() per item, all awaited with Promise.all, as a twurple
// user would write it. Run by bench/bench_vs_twurple.py from its own scratch
// directory (where @twurple/api and @twurple/auth are installed).
//
//   node create_subscriptions.mjs HELIX_BASE AUTH_BASE CLIENT_ID CLIENT_SECRET CONDUIT_ID COUNT FIRST_ID
//
// Prints one JSON line: {"seconds","created","failed","first_error"}. The
// clock starts after the app token was fetched (as the other contenders'
// timings do) and stops when every promise has settled.
import { ApiClient } from '@twurple/api';
import { AppTokenAuthProvider } from '@twurple/auth';

const [helixBase, authBase, clientId, clientSecret, conduitId, countText, firstIdText] = process.argv.slice(2);
const count = Number.parseInt(countText, 10);
const firstId = Number.parseInt(firstIdText, 10);

// twurple calls Twitch's fixed hosts; send those calls to the mock instead.
// Only the URL changes: requests, connections and timing stay twurple's own.
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
    let url = typeof input === 'string' ? input : input.url;
    url = url.replace('https://api.twitch.tv/helix', helixBase).replace('https://id.twitch.tv/oauth2', authBase);
    return realFetch(url, init);
};

const authProvider = new AppTokenAuthProvider(clientId, clientSecret);
const api = new ApiClient({ authProvider, logger: { minLevel: 'critical' } });
await authProvider.getAppAccessToken();

const started = process.hrtime.bigint();
const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
        api.eventSub.createSubscription(
            'stream.online',
            '1',
            { broadcaster_user_id: String(firstId + i) },
            { method: 'conduit', conduit_id: conduitId },
        ),
    ),
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const failed = results.filter((r) => r.status === 'rejected');
console.log(
    JSON.stringify({
        seconds,
        created: results.length - failed.length,
        failed: failed.length,
        first_error: failed.length > 0 ? String(failed[0].reason).slice(0, 300) : null,
    }),
);
