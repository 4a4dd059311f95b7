/* tcctl: help texts, one per command. */
#include <stdio.h>
#include <string.h>

#include "tcctl.h"

static const char global_help[] =
    "usage: tcctl [global options] <command> [arguments]\n"
    "\n"
    "Manage Twitch EventSub conduits, shards and subscriptions.\n"
    "\n"
    "commands:\n"
    "  token      fetch, validate or revoke the app access token\n"
    "  conduits   list | create N | resize ID N | delete ID\n"
    "  shards     list ID | assign ID SHARD...\n"
    "  subs       list | create | delete | cleanup | reconcile\n"
    "  mock       run the bundled mock Twitch server in the foreground\n"
    "  listen     run the embedded webhook listener; print each verified event\n"
    "  demo       the whole workflow against the bundled mock (no credentials)\n"
    "\n"
    "global options (before or after the command):\n"
    "  --json                 print exactly one JSON document on stdout\n"
    "  --api-base URL         Helix base URL (env TWITCH_API_BASE; default https://api.twitch.tv/helix)\n"
    "  --auth-base URL        OAuth base URL (env TWITCH_AUTH_BASE; default https://id.twitch.tv/oauth2)\n"
    "  --client-id ID         application client id (env TWITCH_CLIENT_ID)\n"
    "  --client-secret S      application client secret (env TWITCH_CLIENT_SECRET)\n"
    "  --app-token T          an app access token to use (env TWITCH_APP_TOKEN)\n"
    "  --ca-file FILE         PEM CA bundle instead of the system store\n"
    "  --concurrency N        batches (subs create/cleanup/reconcile) keep N requests in flight (1..1000);\n"
    "                         default: an adaptive window sized by the rate-limit bucket and the latency\n"
    "  --help, -h             this text; 'tcctl COMMAND --help' for a command\n"
    "Prefer the environment for secrets: command lines are visible to other users.\n"
    "Secrets (client secret, tokens, webhook secrets) are never printed.\n"
    "\n"
    "exit codes:\n"
    "  0  success\n"
    "  1  Twitch or network error\n"
    "  2  usage error\n"
    "  3  partial failure: some items of a batch failed\n"
    "  4  missing credentials\n"
    "  5  timed out (listen --count not reached within --timeout-s)\n"
    "\n"
    "examples:\n"
    "  tcctl demo                 # see everything work, offline, in seconds\n"
    "  export TWITCH_CLIENT_ID=... TWITCH_CLIENT_SECRET=...\n"
    "  tcctl conduits create 2\n"
    "  tcctl --json conduits list\n"
    "  TWITCH_WEBHOOK_SECRET=... tcctl listen --port 8080   # print each verified event\n"
    "  tcctl mock --port 8080 &   # then: tcctl --api-base http://127.0.0.1:8080/helix \\\n"
    "                             #   --auth-base http://127.0.0.1:8080/oauth2 conduits list\n";

static const char token_help[] =
    "usage: tcctl token [get] [--validate]\n"
    "       tcctl token validate\n"
    "       tcctl token revoke\n"
    "\n"
    "get (the default): fetch an app access token with the client credentials (or\n"
    "  use --app-token) and show what is known about it: client id, expiry, scopes.\n"
    "  The token itself is never printed.\n"
    "  --validate   also ask Twitch (oauth2/validate) about the token\n"
    "validate: the same as get --validate.\n"
    "revoke: revoke the token given in TWITCH_APP_TOKEN (or --app-token) at Twitch;\n"
    "  it stops working everywhere. Needs the client id too. tcctl does not keep\n"
    "  the tokens it fetches, so there is nothing to revoke without one (exit 2).\n"
    "\n"
    "examples:\n"
    "  tcctl token\n"
    "  tcctl --json token --validate\n"
    "  TWITCH_APP_TOKEN=... tcctl token revoke\n";

static const char conduits_help[] =
    "usage: tcctl conduits list\n"
    "       tcctl conduits create SHARD_COUNT\n"
    "       tcctl conduits resize CONDUIT_ID SHARD_COUNT\n"
    "       tcctl conduits delete CONDUIT_ID\n"
    "\n"
    "List, create (1..20000 shards; Twitch allows 5 conduits per client id),\n"
    "resize (shrinking drops the shards at and above the new count) and delete\n"
    "conduits (their subscriptions become conduit_deleted).\n"
    "\n"
    "examples:\n"
    "  tcctl conduits create 4\n"
    "  tcctl conduits resize 6f4f3b9c-... 8\n"
    "  tcctl --json conduits list\n";

static const char shards_help[] =
    "usage: tcctl shards list CONDUIT_ID [--status STATUS]\n"
    "       tcctl shards assign CONDUIT_ID SHARD... --webhook URL --secret SECRET\n"
    "       tcctl shards assign CONDUIT_ID SHARD... --session SESSION_ID\n"
    "       tcctl shards create CONDUIT_ID --webhook URL [--route KEY]\n"
    "       tcctl shards remove CONDUIT_ID SHARD [--webhook URL --secret SECRET]\n"
    "\n"
    "list: the shards that have a transport (STATUS e.g. enabled,\n"
    "  webhook_callback_verification_pending, websocket_disconnected).\n"
    "assign: give one or more shards the same transport. A webhook needs a signing\n"
    "  secret of 10..100 ASCII characters: --secret, or env TWITCH_WEBHOOK_SECRET\n"
    "  (tcctl never generates or prints one; keep it for your webhook handler).\n"
    "  Exit 3 when some shards were assigned and others refused.\n"
    "  --allow-http-callbacks   accept http:// callbacks on 127.0.0.1/localhost (tests)\n"
    "create: the original create_shard: the first shard without a transport (the\n"
    "  conduit grows by one when all are taken) gets a webhook at URL/KEY and a new\n"
    "  secret from the system CSPRNG. The secret is shown once, in the --json output\n"
    "  only: store it for your webhook handler.\n"
    "remove: safe scale-down: the last shard's transport moves into SHARD, then the\n"
    "  conduit shrinks by one. Twitch never returns webhook secrets, so when the last\n"
    "  shard is a webhook pass its --webhook URL and --secret.\n"
    "\n"
    "examples:\n"
    "  tcctl shards list 6f4f3b9c-... --status enabled\n"
    "  tcctl --json shards create 6f4f3b9c-... --webhook https://example.com/eventsub --route bot-7\n"
    "  tcctl shards remove 6f4f3b9c-... 0\n"
    "  TWITCH_WEBHOOK_SECRET=... tcctl shards assign 6f4f3b9c-... 0 1 --webhook https://example.com/eventsub\n"
    "  tcctl shards assign 6f4f3b9c-... 2 --session AgoQ...\n";

static const char subs_help[] =
    "usage: tcctl subs list [--status S | --type T | --user USER_ID | --conduit CONDUIT_ID]\n"
    "       tcctl subs create CONDUIT_ID --type T --version V --condition JSON\n"
    "                         [--count N --broadcaster-from K]\n"
    "       tcctl subs delete SUBSCRIPTION_ID\n"
    "       tcctl subs cleanup CONDUIT_ID [--include-pending]\n"
    "       tcctl subs reconcile CONDUIT_ID FILE [--dry-run]\n"
    "\n"
    "list: every subscription (all pages), filtered by at most one of the options.\n"
    "create: subscriptions routed to a conduit; one that already exists is adopted\n"
    "  (reported 'existed'), never duplicated. With --count N, N subscriptions are\n"
    "  created whose condition's broadcaster_user_id is K, K+1, ..., K+N-1\n"
    "  (--broadcaster-from, default 1; --condition defaults to {} then). A progress\n"
    "  bar with rate and ETA is shown on a terminal.\n"
    "delete: one subscription (exit 1 if it does not exist).\n"
    "cleanup: delete the conduit's subscriptions that are not enabled, keeping\n"
    "  those pending webhook verification unless --include-pending.\n"
    "reconcile: make the conduit's subscriptions equal FILE, a JSON array of\n"
    "  {\"type\":..., \"version\":..., \"condition\":{...}} ('-' reads stdin):\n"
    "  create what is missing, delete what is extra or broken. --dry-run only\n"
    "  shows the plan.\n"
    "Batches exit 3 when some items failed.\n"
    "\n"
    "examples:\n"
    "  tcctl subs create $CONDUIT --type stream.online --version 1 \\\n"
    "      --condition '{\"broadcaster_user_id\":\"1337\"}'\n"
    "  tcctl subs create $CONDUIT --type stream.online --version 1 --count 500 --broadcaster-from 1000\n"
    "  tcctl subs list --conduit $CONDUIT\n"
    "  tcctl subs reconcile $CONDUIT wanted.json --dry-run\n";

static const char mock_help[] =
    "usage: tcctl mock [--port N] [mock options]\n"
    "\n"
    "Run the bundled mock Twitch server (OAuth + Helix EventSub) on 127.0.0.1 until\n"
    "SIGINT or SIGTERM. The first stdout line is\n"
    "  tc-mock listening on http://127.0.0.1:PORT\n"
    "followed by the helix and auth base URLs (with --json: one JSON object\n"
    "{\"url\",\"port\",\"helix_base\",\"auth_base\"} instead).\n"
    "Default credentials: client id mockclientid0123456789abcdefghij; the secret is\n"
    "in tools/mock/README.md. --client-id/--client-secret set others.\n"
    "  --port N                 listen port (0 = any free port; the default)\n"
    "  --page-size N            items per page of shard and subscription lists\n"
    "  --max-total-cost N       subscription cost limit per client id\n"
    "  --latency-ms N           delay every answer\n"
    "  --fail-rate F            answer 500/503 to this fraction of Helix calls (0..1)\n"
    "  --ratelimit N            Helix bucket size per client id\n"
    "  --seed N                 seed of the fault PRNG\n"
    "  --allow-http-callbacks   accept http webhook callbacks on 127.0.0.1/localhost\n"
    "\n"
    "examples:\n"
    "  tcctl mock --port 0\n"
    "  tcctl mock --port 8080 --page-size 10 --fail-rate 0.1\n";

static const char listen_help[] =
    "usage: tcctl listen [--port N] [--bind ADDR] [--prefix /eventsub/] [--route KEY]\n"
    "                    [--count N] [--timeout-s S] [--secret S]\n"
    "                    [--tls-cert FILE --tls-key FILE]\n"
    "       (prefer env TWITCH_WEBHOOK_SECRET to --secret)\n"
    "\n"
    "Run the library's embedded EventSub webhook listener (HTTP, or HTTPS with\n"
    "--tls-cert/--tls-key) in the\n"
    "foreground. The first stdout line is the callback URL it serves,\n"
    "  http://ADDR:PORT/PREFIX/KEY\n"
    "(with --json: {\"kind\":\"listening\",\"callback_url\",\"base_url\",\"route\",\"port\"}).\n"
    "Then one line per verified message, as soon as it is acknowledged:\n"
    "  TIME  KIND  WHAT  MESSAGE_ID       (KIND: notification, verification, revocation)\n"
    "or, with --json, one JSON object per line (the message: kind, message_id,\n"
    "timestamp, retry, subscription_type, subscription, event, ...).\n"
    "Challenges are answered (and shown as verification lines); a duplicate\n"
    "(same message id) is acknowledged again but not printed again; a request\n"
    "with a bad signature, a stale timestamp or a bad body is answered 400/403\n"
    "and reported on stderr, one line each (the reason, never the secret).\n"
    "\n"
    "The signing secret (10..100 ASCII characters, the one given to Twitch for the\n"
    "shard) comes from TWITCH_WEBHOOK_SECRET. --secret S works too, but a command\n"
    "line is visible to other users in ps: prefer the environment.\n"
    "No Twitch credentials are needed (a placeholder client id is used if none\n"
    "is set; the listener never calls Twitch).\n"
    "  --secret S     the signing secret (visible in ps: prefer TWITCH_WEBHOOK_SECRET)\n"
    "  --port N       listen port (0 = a free port; the default)\n"
    "  --bind ADDR    numeric IPv4/IPv6 address (default 127.0.0.1)\n"
    "  --prefix P     path prefix, starting and ending with '/' (default /eventsub/)\n"
    "  --route KEY    route key appended to the prefix (default tcctl; not a secret)\n"
    "  --count N      exit 0 after N messages (verifications included)\n"
    "  --timeout-s S  stop after S seconds: exit 0, or 5 when --count was not reached\n"
    "  --tls-cert F   serve HTTPS with this PEM certificate chain (with --tls-key)\n"
    "  --tls-key F    the PEM private key of --tls-cert\n"
    "Stops cleanly with exit 0 on SIGINT/SIGTERM. Twitch only calls https on port\n"
    "443: terminate TLS here (--tls-cert/--tls-key, --bind 0.0.0.0 --port 443) or\n"
    "in a reverse proxy in front (see listener.h).\n"
    "\n"
    "examples:\n"
    "  export TWITCH_WEBHOOK_SECRET=...\n"
    "  tcctl listen --port 8080                 # prints http://127.0.0.1:8080/eventsub/tcctl\n"
    "  tcctl --json listen --port 0 --count 1   # wait for one event, print it as JSON\n"
    "  tcctl shards assign $CONDUIT 0 --webhook https://example.com/eventsub/tcctl\n";

static const char demo_help[] =
    "usage: tcctl demo [--subs N] [--json]\n"
    "\n"
    "Run the whole workflow through the library against the bundled mock Twitch\n"
    "server, started in process on a free loopback port: no credentials, no\n"
    "network, a few seconds. Each step is printed and checked:\n"
    "  app token -> create a conduit -> start the embedded listener -> assign\n"
    "  webhook shards (the challenges pass through the listener) -> create N\n"
    "  subscriptions (default 50; a progress bar on a terminal) -> signed events\n"
    "  arrive verified -> a tampered event is rejected (403) -> a resend is\n"
    "  acknowledged but not dispatched twice -> a flaky server (two 503s,\n"
    "  retried) -> a revocation, then cleanup ->\n"
    "  delete the conduit -> summary (steps, timings, requests, retries, events).\n"
    "Exit 0 only when every check passed, 1 otherwise (the failed checks are\n"
    "printed). --json prints one document {\"ok\",\"steps\":[...],\"summary\":{...}}.\n"
    "Credentials and --api-base/--auth-base are ignored: the demo always uses the mock.\n"
    "\n"
    "examples:\n"
    "  tcctl demo\n"
    "  tcctl --json demo | python3 -m json.tool\n";

static const struct {
    const char *topic;
    const char *text;
} topics[] = {
    {"", global_help},           {"token", token_help}, {"conduits", conduits_help},
    {"shards", shards_help},     {"subs", subs_help},   {"mock", mock_help},
    {"listen", listen_help},     {"demo", demo_help},
};

int tcctl_has_help(const char *topic) {
    size_t k;
    for (k = 0; k < sizeof topics / sizeof topics[0]; k++)
        if (strcmp(topics[k].topic, topic) == 0) return 1;
    return 0;
}

void tcctl_help(const char *topic) {
    size_t k;
    for (k = 0; k < sizeof topics / sizeof topics[0]; k++) {
        if (strcmp(topics[k].topic, topic) == 0) {
            fputs(topics[k].text, stdout);
            return;
        }
    }
    fputs(global_help, stdout);
}
