/*
 * bench_users: the users registry (tc_users) against a plain C baseline, in
 * one run, on the same data.
 *
 * Data: N users (default 1,000,000; --quick 100,000), each with a 30-byte
 * key (like an OAuth access token), a 50-byte refresh token, an 8-9 digit
 * user id and 2 subscription ids (36-byte UUIDs). All of it comes from a
 * fixed seed. --plain leaves the refresh tokens out and adds users with
 * tc_users_add(), the data set of the registry before the full record
 * (#14), so that an older build can be compared on the same data.
 *
 *   library        tc_users through the public API: every lookup takes the
 *                  registry's shared lock and returns an owned snapshot, so
 *                  one lookup is tc_users_get_by_*() + tc_user_free().
 *   baseline       a plain C open-addressing hash table per lookup kind
 *                  (linear probing, load <= 1/2, 32-bit record indexes) over
 *                  records whose strings live in one arena; a lookup returns
 *                  a borrowed record pointer. No lock, no copy: the floor.
 *   baseline+copy  the baseline plus what a snapshot costs at least: malloc,
 *                  memcpy of the record's strings, free.
 *
 * Printed: heap bytes per user (mallinfo2 delta / N) for the library and the
 * baseline (the library's RSS delta too), the raw string bytes per user for
 * scale; ns per lookup by key, by user id, by refresh token and by
 * subscription id, in a random order (fixed seed), median of R rounds, with
 * the ratios library/baseline and library/(baseline+copy); ns per add; ns
 * per tc_users_replace() with a new key and refresh token (what a token
 * refresh does to the registry: all indexes re-pointed under one lock).
 *
 * The index structure was chosen with this bench (#14, 2026-12-03, 1M users,
 * --plain, each against the baseline of its own run, loaded 2-core machine):
 *   registry before #14 (own tables, smaller blocks)  252 B/user, lookups 0.88-1.11x baseline
 *   #14 blocks, own open-addressing tables            284 B/user, lookups 1.09-1.33x baseline
 *   #14 blocks, std::unordered_map indexes            443 B/user, lookups 1.60-1.84x baseline,
 *                                                     adds ~4x slower
 * so the library keeps its own table (see lib/core/users.hpp).
 *
 * Exit status: 0 when every lookup found the right user, 1 otherwise, 2 on
 * a usage or setup error. Ratios are reported, not gated.
 */
#define _GNU_SOURCE

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <twitchconduits.h>

#define KEY_LEN 30
#define REFRESH_LEN 50
#define SUB_LEN 36
#define SUBS_PER_USER 2
#define MAX_ROUNDS 15

/* ------------------------------------------------------------------------ */
/* Clocks, memory, randomness */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long long heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
#else
    return -1;
#endif
}

static long long rss_bytes(void)
{
    long long pages_total = 0, pages_rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    if (fscanf(f, "%lld %lld", &pages_total, &pages_rss) != 2)
        pages_rss = -1;
    fclose(f);
    return pages_rss < 0 ? -1 : pages_rss * (long long)sysconf(_SC_PAGESIZE);
}

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL) {
        fprintf(stderr, "bench_users: out of memory\n");
        exit(2);
    }
    return p;
}

/* ------------------------------------------------------------------------ */
/* The data set: fixed-width strings in flat arrays (the bench's own memory,
 * allocated before any measurement). */

typedef struct dataset {
    size_t n;
    int with_refresh; /* 0 with --plain */
    char *keys;    /* n * (KEY_LEN + 1) */
    char *refresh; /* n * (REFRESH_LEN + 1) */
    char *ids;     /* n * 16 */
    char *subs;    /* n * SUBS_PER_USER * (SUB_LEN + 1) */
} dataset;

static const char *ds_key(const dataset *d, size_t i) { return d->keys + i * (KEY_LEN + 1); }
static const char *ds_id(const dataset *d, size_t i) { return d->ids + i * 16; }
static const char *ds_refresh(const dataset *d, size_t i) { return d->refresh + i * (REFRESH_LEN + 1); }
static const char *ds_sub(const dataset *d, size_t i, int k)
{
    return d->subs + (i * SUBS_PER_USER + (size_t)k) * (SUB_LEN + 1);
}

static void make_dataset(dataset *d, size_t n)
{
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    size_t i;
    int k;
    d->n = n;
    d->keys = xmalloc(n * (KEY_LEN + 1));
    d->refresh = xmalloc(n * (REFRESH_LEN + 1));
    d->ids = xmalloc(n * 16);
    d->subs = xmalloc(n * SUBS_PER_USER * (SUB_LEN + 1));
    for (i = 0; i < n; i++) {
        char *key = d->keys + i * (KEY_LEN + 1);
        for (k = 0; k < KEY_LEN; k++)
            key[k] = alnum[rng_next() % 36];
        key[KEY_LEN] = '\0';
        {
            char *rt = d->refresh + i * (REFRESH_LEN + 1);
            for (k = 0; k < REFRESH_LEN; k++)
                rt[k] = alnum[rng_next() % 36];
            rt[REFRESH_LEN] = '\0';
        }
        /* Unique, spread out like real ids: 8-9 digits. */
        snprintf(d->ids + i * 16, 16, "%" PRIu64, (uint64_t)(40000000u + i * 613u));
        for (k = 0; k < SUBS_PER_USER; k++) {
            uint64_t r = rng_next();
            /* The last group carries (i, k), so ids are unique. */
            snprintf(d->subs + (i * SUBS_PER_USER + (size_t)k) * (SUB_LEN + 1), SUB_LEN + 1,
                     "%08" PRIx32 "-%04" PRIx32 "-4%03" PRIx32 "-a%03" PRIx32 "-%012" PRIx64,
                     (uint32_t)(r >> 32), (uint32_t)(r >> 16) & 0xffffu, (uint32_t)(r >> 4) & 0xfffu,
                     (uint32_t)r & 0xfffu, (uint64_t)(i * SUBS_PER_USER + (size_t)k));
        }
    }
}

static void free_dataset(dataset *d)
{
    free(d->keys);
    free(d->refresh);
    free(d->ids);
    free(d->subs);
}

/* ------------------------------------------------------------------------ */
/* The baseline: plain C open addressing. */

typedef struct brec {
    const char *key;
    const char *id;
    const char *refresh; /* NULL without refresh tokens */
    const char *sub[SUBS_PER_USER];
    uint32_t key_len, id_len, refresh_len, sub_len[SUBS_PER_USER];
} brec;

typedef struct btable {
    uint32_t *slots; /* record index + 1 (subs: (record << 1 | k) + 1); 0 = empty */
    size_t mask;
} btable;

typedef struct baseline {
    char *arena;
    size_t arena_used;
    brec *recs;
    size_t n;
    btable by_key, by_id, by_refresh, by_sub;
} baseline;

static uint64_t bhash(const char *s, size_t n)
{
    uint64_t h = 0x243f6a8885a308d3ull ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        h = (h ^ v) * 0x9fb21c651e98df25ull;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    if (n > 0) {
        uint64_t v = 0;
        memcpy(&v, s, n);
        h = (h ^ v) * 0x9fb21c651e98df25ull;
        h ^= h >> 29;
    }
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    return h;
}

static void btable_init(btable *t, size_t entries)
{
    size_t cap = 16;
    while (cap < entries * 2)
        cap <<= 1;
    t->slots = calloc(cap, sizeof *t->slots);
    if (t->slots == NULL) {
        fprintf(stderr, "bench_users: out of memory\n");
        exit(2);
    }
    t->mask = cap - 1;
}

static void btable_put(btable *t, uint64_t h, uint32_t value)
{
    size_t i = (size_t)h & t->mask;
    while (t->slots[i] != 0)
        i = (i + 1) & t->mask;
    t->slots[i] = value + 1;
}

static const char *arena_put(baseline *b, const char *s, size_t len)
{
    char *p = b->arena + b->arena_used;
    memcpy(p, s, len + 1);
    b->arena_used += len + 1;
    return p;
}

static void baseline_build(baseline *b, const dataset *d)
{
    size_t i;
    int k;
    size_t bytes = 0;
    for (i = 0; i < d->n; i++) {
        bytes += strlen(ds_key(d, i)) + 1 + strlen(ds_id(d, i)) + 1;
        if (d->with_refresh)
            bytes += strlen(ds_refresh(d, i)) + 1;
        for (k = 0; k < SUBS_PER_USER; k++)
            bytes += strlen(ds_sub(d, i, k)) + 1;
    }
    b->arena = xmalloc(bytes);
    b->arena_used = 0;
    b->recs = xmalloc(d->n * sizeof *b->recs);
    b->n = d->n;
    btable_init(&b->by_key, d->n);
    btable_init(&b->by_id, d->n);
    btable_init(&b->by_refresh, d->with_refresh ? d->n : 1);
    btable_init(&b->by_sub, d->n * SUBS_PER_USER);
    for (i = 0; i < d->n; i++) {
        brec *r = &b->recs[i];
        r->key_len = (uint32_t)strlen(ds_key(d, i));
        r->id_len = (uint32_t)strlen(ds_id(d, i));
        r->key = arena_put(b, ds_key(d, i), r->key_len);
        r->id = arena_put(b, ds_id(d, i), r->id_len);
        btable_put(&b->by_key, bhash(r->key, r->key_len), (uint32_t)i);
        btable_put(&b->by_id, bhash(r->id, r->id_len), (uint32_t)i);
        r->refresh = NULL;
        r->refresh_len = 0;
        if (d->with_refresh) {
            r->refresh_len = (uint32_t)strlen(ds_refresh(d, i));
            r->refresh = arena_put(b, ds_refresh(d, i), r->refresh_len);
            btable_put(&b->by_refresh, bhash(r->refresh, r->refresh_len), (uint32_t)i);
        }
        for (k = 0; k < SUBS_PER_USER; k++) {
            r->sub_len[k] = (uint32_t)strlen(ds_sub(d, i, k));
            r->sub[k] = arena_put(b, ds_sub(d, i, k), r->sub_len[k]);
            btable_put(&b->by_sub, bhash(r->sub[k], r->sub_len[k]), (uint32_t)(i << 1 | (size_t)k));
        }
    }
}

static void baseline_free(baseline *b)
{
    free(b->arena);
    free(b->recs);
    free(b->by_key.slots);
    free(b->by_id.slots);
    free(b->by_refresh.slots);
    free(b->by_sub.slots);
}

static const brec *baseline_by_key(const baseline *b, const char *key)
{
    size_t len = strlen(key);
    size_t i = (size_t)bhash(key, len) & b->by_key.mask;
    uint32_t v;
    while ((v = b->by_key.slots[i]) != 0) {
        const brec *r = &b->recs[v - 1];
        if (r->key_len == len && memcmp(r->key, key, len) == 0)
            return r;
        i = (i + 1) & b->by_key.mask;
    }
    return NULL;
}

static const brec *baseline_by_id(const baseline *b, const char *id)
{
    size_t len = strlen(id);
    size_t i = (size_t)bhash(id, len) & b->by_id.mask;
    uint32_t v;
    while ((v = b->by_id.slots[i]) != 0) {
        const brec *r = &b->recs[v - 1];
        if (r->id_len == len && memcmp(r->id, id, len) == 0)
            return r;
        i = (i + 1) & b->by_id.mask;
    }
    return NULL;
}

static const brec *baseline_by_refresh(const baseline *b, const char *refresh)
{
    size_t len = strlen(refresh);
    size_t i = (size_t)bhash(refresh, len) & b->by_refresh.mask;
    uint32_t v;
    while ((v = b->by_refresh.slots[i]) != 0) {
        const brec *r = &b->recs[v - 1];
        if (r->refresh_len == len && memcmp(r->refresh, refresh, len) == 0)
            return r;
        i = (i + 1) & b->by_refresh.mask;
    }
    return NULL;
}

static const brec *baseline_by_sub(const baseline *b, const char *sub)
{
    size_t len = strlen(sub);
    size_t i = (size_t)bhash(sub, len) & b->by_sub.mask;
    uint32_t v;
    while ((v = b->by_sub.slots[i]) != 0) {
        const brec *r = &b->recs[(v - 1) >> 1];
        int k = (int)((v - 1) & 1);
        if (r->sub_len[k] == len && memcmp(r->sub[k], sub, len) == 0)
            return r;
        i = (i + 1) & b->by_sub.mask;
    }
    return NULL;
}

/* What the cheapest snapshot costs on top: one block, the strings copied. */
static size_t copy_and_free(const brec *r)
{
    size_t total = r->key_len + 1u + r->id_len + 1u + (r->refresh != NULL ? r->refresh_len + 1u : 0u);
    size_t used = 0, n;
    char *block;
    int k;
    for (k = 0; k < SUBS_PER_USER; k++)
        total += r->sub_len[k] + 1u;
    block = xmalloc(total);
    memcpy(block, r->key, r->key_len + 1u);
    used += r->key_len + 1u;
    memcpy(block + used, r->id, r->id_len + 1u);
    used += r->id_len + 1u;
    if (r->refresh != NULL) {
        memcpy(block + used, r->refresh, r->refresh_len + 1u);
        used += r->refresh_len + 1u;
    }
    for (k = 0; k < SUBS_PER_USER; k++) {
        memcpy(block + used, r->sub[k], r->sub_len[k] + 1u);
        used += r->sub_len[k] + 1u;
    }
    n = (size_t)(unsigned char)block[used - 2];
    free(block);
    return n;
}

/* ------------------------------------------------------------------------ */
/* Measurements */

enum kind { BY_KEY = 0, BY_ID = 1, BY_SUB = 2, BY_REFRESH = 3 };
static const char *const kind_names[] = {"key", "user id", "subscription id", "refresh token"};

/* The query string of lookup j of a kind (order[j] picks the user). */
static const char *query(const dataset *d, enum kind kind, const uint32_t *order, size_t j)
{
    size_t i = order[j];
    switch (kind) {
    case BY_KEY:
        return ds_key(d, i);
    case BY_ID:
        return ds_id(d, i);
    case BY_REFRESH:
        return ds_refresh(d, i);
    default:
        return ds_sub(d, i, (int)(j & 1));
    }
}

static long g_failures;

static double run_library(const tc_users *u, const dataset *d, enum kind kind, const uint32_t *order)
{
    size_t j, checksum = 0;
    uint64_t t0 = now_ns();
    for (j = 0; j < d->n; j++) {
        tc_user *user = NULL;
        const char *q = query(d, kind, order, j);
        tc_status st = kind == BY_KEY       ? tc_users_get_by_key(&user, u, q)
                       : kind == BY_ID      ? tc_users_get_by_user_id(&user, u, q)
                       : kind == BY_REFRESH ? tc_users_get_by_refresh_token(&user, u, q)
                                            : tc_users_get_by_subscription(&user, u, q);
        if (st == TC_OK)
            checksum += tc_user_subscription_count(user);
        tc_user_free(user);
    }
    {
        uint64_t t1 = now_ns();
        if (checksum != d->n * SUBS_PER_USER)
            g_failures++;
        return (double)(t1 - t0) / (double)d->n;
    }
}

static double run_baseline(const baseline *b, const dataset *d, enum kind kind, const uint32_t *order, int copy)
{
    size_t j, checksum = 0, sink = 0;
    uint64_t t0 = now_ns();
    for (j = 0; j < d->n; j++) {
        const char *q = query(d, kind, order, j);
        const brec *r = kind == BY_KEY       ? baseline_by_key(b, q)
                        : kind == BY_ID      ? baseline_by_id(b, q)
                        : kind == BY_REFRESH ? baseline_by_refresh(b, q)
                                             : baseline_by_sub(b, q);
        if (r != NULL) {
            checksum += SUBS_PER_USER;
            if (copy)
                sink += copy_and_free(r);
        }
    }
    {
        uint64_t t1 = now_ns();
        if (checksum != d->n * SUBS_PER_USER)
            g_failures++;
        if (sink == 1) /* keep the copies observable */
            fputc('\0', stderr);
        return (double)(t1 - t0) / (double)d->n;
    }
}

/* Untimed: a sample of lookups return exactly the right user. */
static void verify(const tc_users *u, const baseline *b, const dataset *d)
{
    size_t s;
    for (s = 0; s < 2000 && s < d->n; s++) {
        size_t i = (size_t)(rng_next() % d->n);
        tc_user *a = NULL, *c = NULL, *e = NULL;
        const brec *r = baseline_by_sub(b, ds_sub(d, i, 1));
        if (tc_users_get_by_key(&a, u, ds_key(d, i)) != TC_OK || tc_users_get_by_user_id(&c, u, ds_id(d, i)) != TC_OK ||
            tc_users_get_by_subscription(&e, u, ds_sub(d, i, 1)) != TC_OK || strcmp(tc_user_user_id(a), ds_id(d, i)) != 0 ||
            strcmp(tc_user_key(c), ds_key(d, i)) != 0 || strcmp(tc_user_user_id(e), ds_id(d, i)) != 0 ||
            strcmp(tc_user_subscription_id(e, 0), ds_sub(d, i, 0)) != 0 || r == NULL || strcmp(r->id, ds_id(d, i)) != 0) {
            g_failures++;
            fprintf(stderr, "bench_users: wrong lookup result for user %zu\n", i);
        }
        tc_user_free(a);
        tc_user_free(c);
        tc_user_free(e);
        if (d->with_refresh) {
            const brec *rr = baseline_by_refresh(b, ds_refresh(d, i));
            a = NULL;
            if (tc_users_get_by_refresh_token(&a, u, ds_refresh(d, i)) != TC_OK ||
                strcmp(tc_user_user_id(a), ds_id(d, i)) != 0 || rr == NULL || strcmp(rr->id, ds_id(d, i)) != 0) {
                g_failures++;
                fprintf(stderr, "bench_users: wrong refresh-token lookup for user %zu\n", i);
            }
            tc_user_free(a);
        }
    }
}

/* What a token refresh does to the registry: the record of `count` users
 * replaced with a new key and refresh token (then put back, untimed, so the
 * data set still matches). ns per replace. */
static double run_replace(tc_users *u, const dataset *d, const uint32_t *order, size_t count)
{
    size_t j;
    uint64_t t0, t1;
    char key[KEY_LEN + 8], refresh[REFRESH_LEN + 8];
    tc_user_record rec = TC_USER_RECORD_INIT;
    rec.key = key;
    rec.refresh_token = refresh;
    t0 = now_ns();
    for (j = 0; j < count; j++) {
        size_t i = order[j];
        snprintf(key, sizeof key, "%s-n", ds_key(d, i));
        snprintf(refresh, sizeof refresh, "%s-n", ds_refresh(d, i));
        rec.user_id = ds_id(d, i);
        if (tc_users_replace(NULL, u, &rec) != TC_OK)
            g_failures++;
    }
    t1 = now_ns();
    for (j = 0; j < count; j++) {
        size_t i = order[j];
        rec.key = ds_key(d, i);
        rec.refresh_token = ds_refresh(d, i);
        rec.user_id = ds_id(d, i);
        if (tc_users_replace(NULL, u, &rec) != TC_OK)
            g_failures++;
    }
    return (double)(t1 - t0) / (double)count;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: bench_users [--users N] [--rounds R] [--quick] [--plain]\n"
                 "  --users N    users in the registry (default 1000000)\n"
                 "  --rounds R   measured rounds per lookup kind, median reported (default 3)\n"
                 "  --quick      a small run for CI (N = 100000)\n"
                 "  --plain      no refresh tokens, users added with tc_users_add (the data set\n"
                 "               of builds before the full user record, to compare with them)\n");
}

int main(int argc, char **argv)
{
    size_t n = 1000000;
    int rounds = 3;
    int a, r;
    dataset d;
    baseline b;
    tc_users *u = NULL;
    uint32_t *order;
    size_t i;
    long long heap0, heap1, heap2, rss0, rss1;
    uint64_t t0, t1, t2;
    double raw_bytes = 0;
    int plain = 0;
    int last_kind;

    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--quick") == 0) {
            n = 100000;
        } else if (strcmp(argv[a], "--plain") == 0) {
            plain = 1;
        } else if (strcmp(argv[a], "--users") == 0 && a + 1 < argc) {
            long v = strtol(argv[++a], NULL, 10);
            if (v < 1000 || v > 50000000) {
                fprintf(stderr, "bench_users: --users needs an integer in 1000..50000000\n");
                return 2;
            }
            n = (size_t)v;
        } else if (strcmp(argv[a], "--rounds") == 0 && a + 1 < argc) {
            long v = strtol(argv[++a], NULL, 10);
            if (v < 1 || v > MAX_ROUNDS) {
                fprintf(stderr, "bench_users: --rounds needs an integer in 1..%d\n", MAX_ROUNDS);
                return 2;
            }
            rounds = (int)v;
        } else if (strcmp(argv[a], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }

    rng_state = 0x9e3779b97f4a7c15ull;
    make_dataset(&d, n);
    d.with_refresh = !plain;
    last_kind = plain ? BY_SUB : BY_REFRESH;
    for (i = 0; i < n; i++)
        raw_bytes += (double)(strlen(ds_key(&d, i)) + 1 + strlen(ds_id(&d, i)) + 1 +
                              SUBS_PER_USER * (SUB_LEN + 1) + (plain ? 0 : REFRESH_LEN + 1));
    raw_bytes /= (double)n;
    /* A random order of the users (Fisher-Yates, fixed seed). */
    order = xmalloc(n * sizeof *order);
    for (i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    for (i = n - 1; i > 0; i--) {
        size_t j = (size_t)(rng_next() % (i + 1));
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }

    printf("bench_users: %zu users, %d subscriptions each; key %d B, %s, user id 8-9 digits, "
           "subscription id %d B; %d round(s), median reported\n",
           n, SUBS_PER_USER, KEY_LEN, plain ? "no refresh token (--plain)" : "refresh token 50 B", SUB_LEN,
           rounds);

    /* The library. */
    heap0 = heap_in_use();
    rss0 = rss_bytes();
    if (tc_users_new(&u) != TC_OK) {
        fprintf(stderr, "bench_users: tc_users_new: %s\n", tc_last_error_message());
        return 2;
    }
    t0 = now_ns();
    for (i = 0; i < n; i++) {
        const char *subs[SUBS_PER_USER];
        int k;
        for (k = 0; k < SUBS_PER_USER; k++)
            subs[k] = ds_sub(&d, i, k);
        if (plain) {
            if (tc_users_add(u, ds_key(&d, i), ds_id(&d, i), subs, SUBS_PER_USER) != TC_OK) {
                fprintf(stderr, "bench_users: tc_users_add: %s\n", tc_last_error_message());
                return 2;
            }
        } else {
            tc_user_record rec = TC_USER_RECORD_INIT;
            rec.key = ds_key(&d, i);
            rec.user_id = ds_id(&d, i);
            rec.refresh_token = ds_refresh(&d, i);
            if (tc_users_add_record(u, &rec, subs, SUBS_PER_USER) != TC_OK) {
                fprintf(stderr, "bench_users: tc_users_add_record: %s\n", tc_last_error_message());
                return 2;
            }
        }
    }
    t1 = now_ns();
    heap1 = heap_in_use();
    rss1 = rss_bytes();

    /* The baseline. */
    baseline_build(&b, &d);
    t2 = now_ns();
    heap2 = heap_in_use();
    if (tc_users_count(u) != n) {
        fprintf(stderr, "bench_users: the registry holds %zu users, expected %zu\n", tc_users_count(u), n);
        return 1;
    }
    verify(u, &b, &d);

    printf("memory per user (raw strings %.1f B):\n", raw_bytes);
    if (heap0 >= 0) {
        double lib = (double)(heap1 - heap0) / (double)n;
        double base = (double)(heap2 - heap1) / (double)n;
        printf("  library   %7.1f B heap (mallinfo2), %7.1f B RSS; overhead over the raw strings %.1f B\n", lib,
               rss0 >= 0 && rss1 >= 0 ? (double)(rss1 - rss0) / (double)n : -1.0, lib - raw_bytes);
        printf("  baseline  %7.1f B heap (mallinfo2); library/baseline %.2f\n", base, base > 0 ? lib / base : 0.0);
    } else {
        printf("  library   %7.1f B RSS (mallinfo2 unavailable)\n",
               rss0 >= 0 && rss1 >= 0 ? (double)(rss1 - rss0) / (double)n : -1.0);
    }
    printf("add: library %.0f ns/user (validation, lock, %d indexes), baseline build %.0f ns/user\n",
           (double)(t1 - t0) / (double)n, plain ? 3 : 4, (double)(t2 - t1) / (double)n);

    /* Warm-up: one pass of each, untimed for the result. */
    (void)run_library(u, &d, BY_ID, order);
    (void)run_baseline(&b, &d, BY_ID, order, 0);

    printf("lookup, ns per lookup in random order (library = get + tc_user_free):\n");
    {
        int kind;
        for (kind = BY_KEY; kind <= last_kind; kind++) {
            double lib[MAX_ROUNDS], base[MAX_ROUNDS], copy[MAX_ROUNDS];
            double ml, mb, mc;
            for (r = 0; r < rounds; r++) {
                /* Alternate which goes first, so neither always runs on a cold cache. */
                if (r % 2 == 0) {
                    lib[r] = run_library(u, &d, (enum kind)kind, order);
                    base[r] = run_baseline(&b, &d, (enum kind)kind, order, 0);
                } else {
                    base[r] = run_baseline(&b, &d, (enum kind)kind, order, 0);
                    lib[r] = run_library(u, &d, (enum kind)kind, order);
                }
                copy[r] = run_baseline(&b, &d, (enum kind)kind, order, 1);
            }
            ml = median(lib, rounds);
            mb = median(base, rounds);
            mc = median(copy, rounds);
            printf("  by %-16s library %6.1f, baseline %6.1f (ratio %.2f), baseline+copy %6.1f (ratio %.2f)\n",
                   kind_names[kind], ml, mb, mb > 0 ? ml / mb : 0.0, mc, mc > 0 ? ml / mc : 0.0);
        }
    }

    if (!plain) {
        size_t count = n < 100000 ? n : 100000;
        printf("replace (a token refresh: new key and refresh token, all indexes under one lock): "
               "library %.0f ns/op over %zu users\n",
               run_replace(u, &d, order, count), count);
    }

    tc_users_free(u);
    baseline_free(&b);
    free(order);
    free_dataset(&d);
    if (g_failures != 0) {
        printf("users: %ld check(s) FAILED\n", g_failures);
        return 1;
    }
    printf("users: all lookups found the right user\n");
    return 0;
}
