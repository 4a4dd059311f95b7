/*
 * Public-API tests of the users registry (<twitchconduits/users.h>), through
 * <twitchconduits.h> and the shared library only.
 *
 *  - every new function with NULL / invalid arguments: the exact documented
 *    tc_status and a fresh, non-empty, one-line tc_last_error_message() that
 *    names the offending argument as a whole word;
 *  - the documented statuses of conflicts and misses, with their messages;
 *  - the key is a secret: it never appears in an error message, and
 *    tc_user_to_json() prints it only with include_key != 0;
 *  - snapshots, dup, list order and JSON through the accessors;
 *  - a few threads using one registry at once.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <twitchconduits.h>

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Distinctive, so that a leak into a message or JSON is detectable. */
#define SECRET_KEY "userkey-Zq8Lw3Vn5Rt"
#define SECRET_KEY2 "userkey-Hj2Kp7Xc4Ms"
#define SECRET_REFRESH "refresh-Tq5Bv8Nw2Yx"
#define SECRET_REFRESH2 "refresh-Lk3Fd9Gs6Pa"
#define SECRET_CODE "authcode-Wm4Hr7Jc1Ez"

/* A pointer value no library function can legitimately produce. */
static char out_sentinel_storage;
#define OUT_SENTINEL ((void *)&out_sentinel_storage)

/* ------------------------------------------------------------------------ */
/* Message checks                                                           */

static int is_ident_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_';
}

static int mentions_word(const char *msg, const char *word)
{
    size_t wlen = strlen(word);
    const char *p = msg;
    while ((p = strstr(p, word)) != NULL) {
        if ((p == msg || !is_ident_char(p[-1])) && !is_ident_char(p[wlen]))
            return 1;
        p++;
    }
    return 0;
}

static void copy_message(char *buf, size_t size)
{
    const char *m = tc_last_error_message();
    snprintf(buf, size, "%s", m != NULL ? m : "(NULL)");
}

/* Leaves a message on this thread that does not mention `word`, so that the
 * message read after the call under test is known to come from it. */
static void prime_message(const char *word)
{
    char buf[256];
    (void)tc_users_count(NULL); /* "... users" */
    copy_message(buf, sizeof buf);
    if (buf[0] != '\0' && !mentions_word(buf, word))
        return;
    (void)tc_user_id_list_to_json(NULL, NULL); /* "... out" */
    copy_message(buf, sizeof buf);
    if (buf[0] != '\0' && !mentions_word(buf, word))
        return;
    fail_msg("cannot prime a message without \"%s\"", word);
}

/* NULL when msg is a good failure message naming `word`. */
static const char *message_problem(const char *msg, const char *word)
{
    if (msg[0] == '\0')
        return "the message is empty";
    if (strchr(msg, '\n') != NULL || strchr(msg, '\r') != NULL)
        return "the message spans more than one line";
    if (strstr(msg, SECRET_KEY) != NULL || strstr(msg, SECRET_KEY2) != NULL)
        return "the message contains a key";
    if (strstr(msg, SECRET_REFRESH) != NULL || strstr(msg, SECRET_REFRESH2) != NULL ||
        strstr(msg, SECRET_CODE) != NULL)
        return "the message contains a refresh token or a code";
    if (word != NULL && !mentions_word(msg, word))
        return "the message does not name the argument";
    return NULL;
}

/* `expr` returns `want` and leaves a fresh message naming `word`. */
#define EXPECT(expr, want, word)                                                                   \
    do {                                                                                           \
        char m_[512];                                                                              \
        const char *pb_;                                                                           \
        int st_;                                                                                   \
        prime_message(word);                                                                       \
        st_ = (int)(expr);                                                                         \
        copy_message(m_, sizeof m_);                                                               \
        if (st_ != (int)(want))                                                                    \
            fail_msg("%s returned %d (%s), expected %d (%s); message: \"%s\"", #expr, st_,         \
                     tc_strerror(st_), (int)(want), tc_strerror((int)(want)), m_);                 \
        pb_ = message_problem(m_, word);                                                           \
        if (pb_ != NULL)                                                                           \
            fail_msg("%s: %s: \"%s\" (expected the word \"%s\")", #expr, pb_, m_, word);           \
    } while (0)

#define EXPECT_OK(expr)                                                                            \
    do {                                                                                           \
        int st_ = (int)(expr);                                                                     \
        if (st_ != TC_OK)                                                                          \
            fail_msg("%s returned %d (%s): \"%s\"", #expr, st_, tc_strerror(st_),                  \
                     tc_last_error_message());                                                     \
    } while (0)

static tc_users *new_users(void)
{
    tc_users *u = NULL;
    EXPECT_OK(tc_users_new(&u));
    assert_non_null(u);
    return u;
}

/* A registry with two users: SECRET_KEY/1001 {s1, s2} and SECRET_KEY2/1002 {}. */
static tc_users *sample(void)
{
    static const char *const subs[] = {"s1", "s2", "s1"};
    tc_users *u = new_users();
    EXPECT_OK(tc_users_add(u, SECRET_KEY, "1001", subs, 3));
    EXPECT_OK(tc_users_add(u, SECRET_KEY2, "1002", NULL, 0));
    return u;
}

/* A handle of another type, to pass where a tc_users is expected. */
static tc_user_id_list *other_handle(tc_users *u)
{
    tc_user_id_list *l = NULL;
    EXPECT_OK(tc_users_list(&l, u));
    return l;
}

/* ======================================================================== */

static void test_new_free(void **state)
{
    tc_users *u;
    (void)state;
    EXPECT(tc_users_new(NULL), TC_EINVAL, "out");
    tc_users_free(NULL);
    tc_user_free(NULL);
    tc_user_id_list_free(NULL);
    u = new_users();
    assert_int_equal(tc_users_count(u), 0);
    tc_users_free(u);
}

static void test_add_bad_arguments(void **state)
{
    tc_users *u = new_users();
    tc_user_id_list *wrong = other_handle(u);
    const char *subs_with_null[] = {"a", NULL};
    const char *subs_with_empty[] = {"a", "b", ""};
    (void)state;

    EXPECT(tc_users_add(NULL, SECRET_KEY, "1", NULL, 0), TC_EINVAL, "users");
    EXPECT(tc_users_add((tc_users *)wrong, SECRET_KEY, "1", NULL, 0), TC_EINVAL, "users");
    EXPECT(tc_users_add(u, NULL, "1", NULL, 0), TC_EINVAL, "key");
    EXPECT(tc_users_add(u, "", "1", NULL, 0), TC_EINVAL, "key");
    EXPECT(tc_users_add(u, SECRET_KEY, NULL, NULL, 0), TC_EINVAL, "user_id");
    EXPECT(tc_users_add(u, SECRET_KEY, "", NULL, 0), TC_EINVAL, "user_id");
    EXPECT(tc_users_add(u, SECRET_KEY, "12ab", NULL, 0), TC_EINVAL, "user_id");
    EXPECT(tc_users_add(u, SECRET_KEY, "-12", NULL, 0), TC_EINVAL, "user_id");
    EXPECT(tc_users_add(u, SECRET_KEY, "123456789012345678901234567890123", NULL, 0), TC_EINVAL, "user_id");
    /* The key passed as the user id by mistake is not echoed. */
    EXPECT(tc_users_add(u, "k", SECRET_KEY, NULL, 0), TC_EINVAL, "user_id");
    EXPECT(tc_users_add(u, SECRET_KEY, "1", NULL, 2), TC_EINVAL, "subscription_ids");
    EXPECT(tc_users_add(u, SECRET_KEY, "1", subs_with_null, 2), TC_EINVAL, "subscription_ids");
    EXPECT(tc_users_add(u, SECRET_KEY, "1", subs_with_empty, 3), TC_EINVAL, "subscription_ids");
    assert_true(strstr(tc_last_error_message(), "subscription_ids[2]") != NULL);
    /* Nothing was added by the refused calls. */
    assert_int_equal(tc_users_count(u), 0);
    /* subscription_ids may be NULL with a count of 0. */
    EXPECT_OK(tc_users_add(u, SECRET_KEY, "1", NULL, 0));
    assert_int_equal(tc_users_count(u), 1);
    tc_user_id_list_free(wrong);
    tc_users_free(u);
}

static void test_add_conflicts(void **state)
{
    tc_users *u = sample();
    const char *taken[] = {"fresh", "s2"};
    (void)state;
    EXPECT(tc_users_add(u, "another", "1001", NULL, 0), TC_ECONFLICT, "user_id");
    assert_true(strstr(tc_last_error_message(), "1001") != NULL);
    EXPECT(tc_users_add(u, SECRET_KEY, "2000", NULL, 0), TC_ECONFLICT, "key");
    EXPECT(tc_users_add(u, "another", "2000", taken, 2), TC_ECONFLICT, "subscription_ids");
    assert_true(strstr(tc_last_error_message(), "subscription_ids[1]") != NULL);
    assert_int_equal(tc_users_count(u), 2);
    tc_users_free(u);
}

static void test_lookups_bad_arguments(void **state)
{
    tc_users *u = sample();
    tc_user_id_list *wrong = other_handle(u);
    tc_user *out = (tc_user *)OUT_SENTINEL;
    (void)state;

    EXPECT(tc_users_get_by_key(NULL, u, SECRET_KEY), TC_EINVAL, "out");
    EXPECT(tc_users_get_by_key(&out, NULL, SECRET_KEY), TC_EINVAL, "users");
    assert_null(out);
    out = (tc_user *)OUT_SENTINEL;
    EXPECT(tc_users_get_by_key(&out, (const tc_users *)wrong, SECRET_KEY), TC_EINVAL, "users");
    assert_null(out);
    EXPECT(tc_users_get_by_key(&out, u, NULL), TC_EINVAL, "key");
    EXPECT(tc_users_get_by_key(&out, u, ""), TC_EINVAL, "key");
    assert_null(out);

    EXPECT(tc_users_get_by_user_id(NULL, u, "1001"), TC_EINVAL, "out");
    out = (tc_user *)OUT_SENTINEL;
    EXPECT(tc_users_get_by_user_id(&out, NULL, "1001"), TC_EINVAL, "users");
    assert_null(out);
    EXPECT(tc_users_get_by_user_id(&out, (const tc_users *)wrong, "1001"), TC_EINVAL, "users");
    EXPECT(tc_users_get_by_user_id(&out, u, NULL), TC_EINVAL, "user_id");
    EXPECT(tc_users_get_by_user_id(&out, u, ""), TC_EINVAL, "user_id");
    EXPECT(tc_users_get_by_user_id(&out, u, "10 01"), TC_EINVAL, "user_id");

    EXPECT(tc_users_get_by_subscription(NULL, u, "s1"), TC_EINVAL, "out");
    out = (tc_user *)OUT_SENTINEL;
    EXPECT(tc_users_get_by_subscription(&out, NULL, "s1"), TC_EINVAL, "users");
    assert_null(out);
    EXPECT(tc_users_get_by_subscription(&out, (const tc_users *)wrong, "s1"), TC_EINVAL, "users");
    EXPECT(tc_users_get_by_subscription(&out, u, NULL), TC_EINVAL, "subscription_id");
    EXPECT(tc_users_get_by_subscription(&out, u, ""), TC_EINVAL, "subscription_id");
    assert_null(out);
    tc_user_id_list_free(wrong);
    tc_users_free(u);
}

static void test_lookups_not_found(void **state)
{
    tc_users *u = sample();
    tc_user *out = (tc_user *)OUT_SENTINEL;
    (void)state;
    EXPECT(tc_users_get_by_key(&out, u, "userkey-unknown"), TC_ENOTFOUND, "key");
    assert_null(out);
    EXPECT(tc_users_get_by_user_id(&out, u, "999"), TC_ENOTFOUND, "user_id");
    EXPECT(tc_users_get_by_subscription(&out, u, "nope"), TC_ENOTFOUND, "subscription_id");
    /* A key passed where a subscription id is expected is not echoed. */
    EXPECT(tc_users_get_by_subscription(&out, u, SECRET_KEY), TC_ENOTFOUND, "subscription_id");
    assert_null(out);
    tc_users_free(u);
}

static void test_remove(void **state)
{
    tc_users *u = sample();
    tc_user_id_list *wrong = other_handle(u);
    tc_user *gone = (tc_user *)OUT_SENTINEL;
    (void)state;

    EXPECT(tc_users_remove(&gone, NULL, "1001"), TC_EINVAL, "users");
    assert_null(gone);
    EXPECT(tc_users_remove(NULL, (tc_users *)wrong, "1001"), TC_EINVAL, "users");
    EXPECT(tc_users_remove(NULL, u, NULL), TC_EINVAL, "user_id");
    EXPECT(tc_users_remove(NULL, u, "x"), TC_EINVAL, "user_id");
    gone = (tc_user *)OUT_SENTINEL;
    /* The original's remove_user crashed here; this is a plain miss. */
    EXPECT(tc_users_remove(&gone, u, "4242"), TC_ENOTFOUND, "user_id");
    assert_null(gone);
    assert_int_equal(tc_users_count(u), 2);

    EXPECT_OK(tc_users_remove(&gone, u, "1001"));
    assert_non_null(gone);
    assert_string_equal(tc_user_user_id(gone), "1001");
    assert_string_equal(tc_user_key(gone), SECRET_KEY);
    assert_int_equal(tc_user_subscription_count(gone), 2);
    tc_user_free(gone);
    EXPECT_OK(tc_users_remove(NULL, u, "1002"));
    assert_int_equal(tc_users_count(u), 0);
    EXPECT(tc_users_remove(NULL, u, "1002"), TC_ENOTFOUND, "user_id");
    tc_user_id_list_free(wrong);
    tc_users_free(u);
}

static void test_subscriptions(void **state)
{
    tc_users *u = sample();
    tc_user_id_list *wrong = other_handle(u);
    tc_user *got = NULL;
    (void)state;

    EXPECT(tc_users_add_subscription(NULL, "1001", "s3"), TC_EINVAL, "users");
    EXPECT(tc_users_add_subscription((tc_users *)wrong, "1001", "s3"), TC_EINVAL, "users");
    EXPECT(tc_users_add_subscription(u, NULL, "s3"), TC_EINVAL, "user_id");
    EXPECT(tc_users_add_subscription(u, "abc", "s3"), TC_EINVAL, "user_id");
    EXPECT(tc_users_add_subscription(u, "1001", NULL), TC_EINVAL, "subscription_id");
    EXPECT(tc_users_add_subscription(u, "1001", ""), TC_EINVAL, "subscription_id");
    EXPECT(tc_users_add_subscription(u, "777", "s3"), TC_ENOTFOUND, "user_id");
    EXPECT(tc_users_add_subscription(u, "1002", "s1"), TC_ECONFLICT, "subscription_id");
    EXPECT_OK(tc_users_add_subscription(u, "1001", "s1")); /* already there: a no-op */
    EXPECT_OK(tc_users_add_subscription(u, "1002", "s3"));

    EXPECT(tc_users_remove_subscription(NULL, "1001", "s1"), TC_EINVAL, "users");
    EXPECT(tc_users_remove_subscription((tc_users *)wrong, "1001", "s1"), TC_EINVAL, "users");
    EXPECT(tc_users_remove_subscription(u, NULL, "s1"), TC_EINVAL, "user_id");
    EXPECT(tc_users_remove_subscription(u, "1.0", "s1"), TC_EINVAL, "user_id");
    EXPECT(tc_users_remove_subscription(u, "1001", NULL), TC_EINVAL, "subscription_id");
    EXPECT(tc_users_remove_subscription(u, "1001", ""), TC_EINVAL, "subscription_id");
    EXPECT(tc_users_remove_subscription(u, "777", "s1"), TC_ENOTFOUND, "user_id");
    EXPECT(tc_users_remove_subscription(u, "1001", "s3"), TC_ENOTFOUND, "subscription_id");
    EXPECT(tc_users_remove_subscription(u, "1001", "zz"), TC_ENOTFOUND, "subscription_id");
    EXPECT_OK(tc_users_remove_subscription(u, "1001", "s1"));

    EXPECT_OK(tc_users_get_by_subscription(&got, u, "s3"));
    assert_string_equal(tc_user_user_id(got), "1002");
    tc_user_free(got);
    EXPECT_OK(tc_users_get_by_key(&got, u, SECRET_KEY));
    assert_int_equal(tc_user_subscription_count(got), 1);
    assert_string_equal(tc_user_subscription_id(got, 0), "s2");
    assert_null(tc_user_subscription_id(got, 1));
    tc_user_free(got);
    tc_user_id_list_free(wrong);
    tc_users_free(u);
}

static void test_count_and_list_bad_arguments(void **state)
{
    tc_users *u = sample();
    tc_user_id_list *wrong = other_handle(u);
    tc_user_id_list *l = (tc_user_id_list *)OUT_SENTINEL;
    char m[512];
    (void)state;

    prime_message("users");
    assert_int_equal(tc_users_count(NULL), 0);
    copy_message(m, sizeof m);
    assert_null(message_problem(m, "users"));
    assert_int_equal(tc_users_count((const tc_users *)wrong), 0);

    EXPECT(tc_users_list(NULL, u), TC_EINVAL, "out");
    EXPECT(tc_users_list(&l, NULL), TC_EINVAL, "users");
    assert_null(l);
    EXPECT(tc_users_list(&l, (const tc_users *)wrong), TC_EINVAL, "users");
    tc_user_id_list_free(wrong);
    tc_users_free(u);
}

static void test_user_accessors_bad_arguments(void **state)
{
    tc_users *u = sample();
    tc_user_id_list *wrong = other_handle(u);
    tc_user *dup = (tc_user *)OUT_SENTINEL;
    char *json = (char *)OUT_SENTINEL;
    tc_user *got = NULL;
    (void)state;

    assert_string_equal(tc_user_key(NULL), "");
    assert_string_equal(tc_user_user_id(NULL), "");
    assert_int_equal(tc_user_subscription_count(NULL), 0);
    assert_null(tc_user_subscription_id(NULL, 0));
    assert_string_equal(tc_user_key((const tc_user *)wrong), "");
    assert_int_equal(tc_user_subscription_count((const tc_user *)wrong), 0);

    EXPECT(tc_user_dup(&dup, NULL), TC_EINVAL, "user");
    assert_null(dup);
    EXPECT(tc_user_dup(&dup, (const tc_user *)wrong), TC_EINVAL, "user");
    EXPECT(tc_user_to_json(&json, NULL, 0), TC_EINVAL, "user");
    assert_null(json);
    EXPECT(tc_user_to_json(&json, (const tc_user *)wrong, 1), TC_EINVAL, "user");

    EXPECT_OK(tc_users_get_by_user_id(&got, u, "1001"));
    EXPECT(tc_user_dup(NULL, got), TC_EINVAL, "out");
    EXPECT(tc_user_to_json(NULL, got, 1), TC_EINVAL, "out");
    tc_user_free(got);
    tc_user_free((tc_user *)wrong); /* a wrong handle is ignored, not freed */
    tc_user_id_list_free(wrong);
    tc_users_free(u);
}

static void test_list_accessors_bad_arguments(void **state)
{
    tc_users *u = sample();
    tc_user *user = NULL;
    tc_user_id_list *dup = (tc_user_id_list *)OUT_SENTINEL;
    tc_user_id_list *l = NULL;
    char *json = (char *)OUT_SENTINEL;
    (void)state;

    EXPECT_OK(tc_users_get_by_user_id(&user, u, "1002"));
    assert_int_equal(tc_user_id_list_count(NULL), 0);
    assert_null(tc_user_id_list_get(NULL, 0));
    assert_int_equal(tc_user_id_list_count((const tc_user_id_list *)user), 0);
    EXPECT(tc_user_id_list_dup(&dup, NULL), TC_EINVAL, "list");
    assert_null(dup);
    EXPECT(tc_user_id_list_dup(&dup, (const tc_user_id_list *)user), TC_EINVAL, "list");
    EXPECT(tc_user_id_list_to_json(&json, NULL), TC_EINVAL, "list");
    assert_null(json);
    EXPECT_OK(tc_users_list(&l, u));
    EXPECT(tc_user_id_list_dup(NULL, l), TC_EINVAL, "out");
    EXPECT(tc_user_id_list_to_json(NULL, l), TC_EINVAL, "out");
    assert_null(tc_user_id_list_get(l, 2));
    tc_user_id_list_free((tc_user_id_list *)user); /* wrong handle: ignored */
    tc_user_id_list_free(l);
    tc_user_free(user);
    tc_users_free(u);
}

/* Every failure that involves the key leaves it out of the message. */
static void test_key_never_in_messages(void **state)
{
    tc_users *u = sample();
    tc_user *out = NULL;
    (void)state;
    EXPECT(tc_users_add(u, SECRET_KEY, "5", NULL, 0), TC_ECONFLICT, "key");
    EXPECT(tc_users_add(u, SECRET_KEY, "1001", NULL, 0), TC_ECONFLICT, "user_id");
    EXPECT(tc_users_get_by_key(&out, u, SECRET_KEY "x"), TC_ENOTFOUND, "key");
    EXPECT(tc_users_get_by_user_id(&out, u, SECRET_KEY), TC_EINVAL, "user_id");
    EXPECT(tc_users_remove(NULL, u, SECRET_KEY), TC_EINVAL, "user_id");
    EXPECT(tc_users_add_subscription(u, SECRET_KEY, "s"), TC_EINVAL, "user_id");
    EXPECT_OK(tc_users_add_subscription(u, "1002", SECRET_KEY)); /* an odd subscription id */
    EXPECT(tc_users_remove_subscription(u, "1001", SECRET_KEY2), TC_ENOTFOUND, "subscription_id");
    EXPECT(tc_users_add_subscription(u, "1001", SECRET_KEY), TC_ECONFLICT, "subscription_id");
    tc_users_free(u);
}

static int json_has(const char *json, const char *needle)
{
    return json != NULL && strstr(json, needle) != NULL;
}

static void test_snapshot_and_json(void **state)
{
    tc_users *u = sample();
    tc_user *a = NULL, *b = NULL;
    char *json = NULL;
    (void)state;

    EXPECT_OK(tc_users_get_by_key(&a, u, SECRET_KEY));
    assert_string_equal(tc_user_key(a), SECRET_KEY);
    assert_string_equal(tc_user_user_id(a), "1001");
    assert_int_equal(tc_user_subscription_count(a), 2); /* "s1" given twice: a set */
    assert_string_equal(tc_user_subscription_id(a, 0), "s1");
    assert_string_equal(tc_user_subscription_id(a, 1), "s2");
    assert_null(tc_user_subscription_id(a, 2));
    assert_null(tc_user_subscription_id(a, (size_t)-1));

    EXPECT_OK(tc_user_to_json(&json, a, 0));
    assert_false(json_has(json, SECRET_KEY));
    assert_false(json_has(json, "\"key\""));
    assert_string_equal(json, "{\"user_id\":\"1001\",\"login\":null,\"expires_at\":0,\"scopes\":[],"
                              "\"subscription_ids\":[\"s1\",\"s2\"]}");
    tc_free(json);
    json = NULL;
    EXPECT_OK(tc_user_to_json(&json, a, 1));
    assert_string_equal(json, "{\"key\":\"" SECRET_KEY "\",\"user_id\":\"1001\",\"login\":null,\"expires_at\":0,"
                              "\"scopes\":[],\"subscription_ids\":[\"s1\",\"s2\"]}");
    tc_free(json);
    json = NULL;
    /* Any non-zero include_key counts as yes. */
    EXPECT_OK(tc_user_to_json(&json, a, -7));
    assert_true(json_has(json, SECRET_KEY));
    tc_free(json);

    /* Snapshots are independent: of the registry and of each other. */
    EXPECT_OK(tc_user_dup(&b, a));
    assert_ptr_not_equal(a, b);
    EXPECT_OK(tc_users_add_subscription(u, "1001", "s9"));
    EXPECT_OK(tc_users_remove(NULL, u, "1001"));
    tc_users_free(u);
    tc_user_free(a);
    assert_string_equal(tc_user_key(b), SECRET_KEY);
    assert_int_equal(tc_user_subscription_count(b), 2);
    tc_user_free(b);
}

static void test_list(void **state)
{
    tc_users *u = new_users();
    tc_user_id_list *l = NULL, *d = NULL;
    char *json = NULL;
    static const char *const ids[] = {"300", "20", "1000", "1"};
    char key[32];
    size_t i;
    (void)state;

    EXPECT_OK(tc_users_list(&l, u));
    assert_int_equal(tc_user_id_list_count(l), 0);
    EXPECT_OK(tc_user_id_list_to_json(&json, l));
    assert_string_equal(json, "{\"user_ids\":[]}");
    tc_free(json);
    tc_user_id_list_free(l);

    for (i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "key-%s", ids[i]);
        EXPECT_OK(tc_users_add(u, key, ids[i], NULL, 0));
    }
    EXPECT_OK(tc_users_list(&l, u));
    EXPECT_OK(tc_users_remove(NULL, u, "20")); /* the snapshot keeps it */
    assert_int_equal(tc_user_id_list_count(l), 4);
    assert_string_equal(tc_user_id_list_get(l, 0), "1");
    assert_string_equal(tc_user_id_list_get(l, 1), "20");
    assert_string_equal(tc_user_id_list_get(l, 2), "300");
    assert_string_equal(tc_user_id_list_get(l, 3), "1000");
    assert_null(tc_user_id_list_get(l, 4));
    EXPECT_OK(tc_user_id_list_dup(&d, l));
    tc_user_id_list_free(l);
    EXPECT_OK(tc_user_id_list_to_json(&json, d));
    assert_string_equal(json, "{\"user_ids\":[\"1\",\"20\",\"300\",\"1000\"]}");
    tc_free(json);
    tc_user_id_list_free(d);
    tc_users_free(u);
}

/* ------------------------------------------------------------------------ */
/* Threads */

#define API_THREADS 4
#define API_USERS_PER_THREAD 200

typedef struct worker {
    tc_users *users;
    int index;
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = (worker *)arg;
    char id[32], key[48], sub[48], other[32];
    int i;
    for (i = 0; i < API_USERS_PER_THREAD; i++) {
        const char *subs[1];
        tc_user *got = NULL;
        snprintf(id, sizeof id, "%d", 10000 * (w->index + 1) + i);
        snprintf(key, sizeof key, "thread-key-%s", id);
        snprintf(sub, sizeof sub, "sub-%s", id);
        subs[0] = sub;
        if (tc_users_add(w->users, key, id, subs, 1) != TC_OK)
            w->failures++;
        if (tc_users_get_by_key(&got, w->users, key) != TC_OK || strcmp(tc_user_user_id(got), id) != 0)
            w->failures++;
        tc_user_free(got);
        got = NULL;
        /* Someone else's user, present or not. */
        snprintf(other, sizeof other, "%d", 10000 * ((w->index + 1) % API_THREADS + 1) + i);
        {
            tc_status st = tc_users_get_by_user_id(&got, w->users, other);
            if (st != TC_OK && st != TC_ENOTFOUND)
                w->failures++;
            tc_user_free(got);
        }
        if (i % 2 == 1 && tc_users_remove(NULL, w->users, id) != TC_OK)
            w->failures++;
    }
    return NULL;
}

static void test_threads(void **state)
{
    tc_users *u = new_users();
    pthread_t th[API_THREADS];
    worker w[API_THREADS];
    int i;
    (void)state;
    for (i = 0; i < API_THREADS; i++) {
        w[i].users = u;
        w[i].index = i;
        w[i].failures = 0;
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (i = 0; i < API_THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    assert_int_equal(tc_users_count(u), API_THREADS * API_USERS_PER_THREAD / 2);
    tc_users_free(u);
}


/* ======================================================================== */
/* The full record (#14): refresh token, login, expiry, scopes, code        */

static const char *const sample_scopes[] = {"channel:read:subscriptions", "moderator:read:followers"};

/* user 3001 with every field. */
static tc_user_record full_record(void)
{
    tc_user_record r = TC_USER_RECORD_INIT;
    r.key = SECRET_KEY;
    r.user_id = "3001";
    r.refresh_token = SECRET_REFRESH;
    r.login = "twitchdev";
    r.expires_at = 1800000000;
    r.scopes = sample_scopes;
    r.scope_count = 2;
    r.code = SECRET_CODE;
    return r;
}

static void test_record_bad_arguments(void **state)
{
    tc_users *u = new_users();
    tc_user_id_list *wrong = other_handle(u);
    tc_user_record r;
    const char *scopes_with_null[] = {"a", NULL};
    const char *scopes_with_empty[] = {"a", ""};
    const char *subs_with_null[] = {"s", NULL};
    (void)state;

    r = full_record();
    EXPECT(tc_users_add_record(NULL, &r, NULL, 0), TC_EINVAL, "users");
    EXPECT(tc_users_add_record((tc_users *)wrong, &r, NULL, 0), TC_EINVAL, "users");
    EXPECT(tc_users_add_record(u, NULL, NULL, 0), TC_EINVAL, "record");
    EXPECT(tc_users_add_record(u, &r, NULL, 1), TC_EINVAL, "subscription_ids");
    EXPECT(tc_users_add_record(u, &r, subs_with_null, 2), TC_EINVAL, "subscription_ids");
    r.version = 0;
    EXPECT(tc_users_add_record(u, &r, NULL, 0), TC_EVERSION, "version");
    r.version = TC_USER_RECORD_VERSION + 1;
    EXPECT(tc_users_add_record(u, &r, NULL, 0), TC_EVERSION, "version");
    r = full_record();
    r.key = NULL;
    EXPECT(tc_users_add_record(u, &r, NULL, 0), TC_EINVAL, "key");
    r = full_record();
    r.user_id = NULL;
    EXPECT(tc_users_add_record(u, &r, NULL, 0), TC_EINVAL, "user_id");
    r.user_id = SECRET_REFRESH; /* not digits, and not echoed */
    EXPECT(tc_users_add_record(u, &r, NULL, 0), TC_EINVAL, "user_id");
    r = full_record();
    r.refresh_token = "";
    EXPECT(tc_users_add_record(u, &r, NULL, 0), TC_EINVAL, "refresh_token");
    r = full_record();
    r.login = "";
    EXPECT(tc_users_add_record(u, &r, NULL, 0), TC_EINVAL, "login");
    r = full_record();
    r.code = "";
    EXPECT(tc_users_add_record(u, &r, NULL, 0), TC_EINVAL, "code");
    r = full_record();
    r.expires_at = -1;
    EXPECT(tc_users_add_record(u, &r, NULL, 0), TC_EINVAL, "expires_at");
    r = full_record();
    r.scopes = NULL;
    EXPECT(tc_users_add_record(u, &r, NULL, 0), TC_EINVAL, "scopes");
    r.scopes = scopes_with_null;
    EXPECT(tc_users_add_record(u, &r, NULL, 0), TC_EINVAL, "scopes");
    assert_non_null(strstr(tc_last_error_message(), "scopes[1]"));
    r.scopes = scopes_with_empty;
    EXPECT(tc_users_add_record(u, &r, NULL, 0), TC_EINVAL, "scopes");
    r.scope_count = 100000;
    EXPECT(tc_users_add_record(u, &r, NULL, 0), TC_EINVAL, "scope_count");
    assert_int_equal(tc_users_count(u), 0);

    /* Only key and user id are required; scopes may be NULL with a count of 0. */
    r = full_record();
    r.refresh_token = r.login = r.code = NULL;
    r.scopes = NULL;
    r.scope_count = 0;
    r.expires_at = 0;
    EXPECT_OK(tc_users_add_record(u, &r, NULL, 0));
    assert_int_equal(tc_users_count(u), 1);
    tc_user_id_list_free(wrong);
    tc_users_free(u);
}

static void test_record_fields_and_json(void **state)
{
    tc_users *u = new_users();
    tc_user_record r = full_record();
    const char *subs[] = {"s1"};
    tc_user *a = NULL, *b = NULL, *none = NULL;
    char *json = NULL;
    (void)state;

    EXPECT_OK(tc_users_add_record(u, &r, subs, 1));
    EXPECT_OK(tc_users_get_by_refresh_token(&a, u, SECRET_REFRESH));
    assert_string_equal(tc_user_user_id(a), "3001");
    assert_string_equal(tc_user_key(a), SECRET_KEY);
    assert_string_equal(tc_user_refresh_token(a), SECRET_REFRESH);
    assert_string_equal(tc_user_login(a), "twitchdev");
    assert_string_equal(tc_user_code(a), SECRET_CODE);
    assert_true(tc_user_expires_at(a) == 1800000000);
    assert_int_equal(tc_user_scope_count(a), 2);
    assert_string_equal(tc_user_scope(a, 0), "channel:read:subscriptions");
    assert_string_equal(tc_user_scope(a, 1), "moderator:read:followers");
    assert_null(tc_user_scope(a, 2));
    assert_int_equal(tc_user_subscription_count(a), 1);
    /* The same user by every index. */
    EXPECT_OK(tc_users_get_by_key(&b, u, SECRET_KEY));
    assert_string_equal(tc_user_refresh_token(b), SECRET_REFRESH);
    tc_user_free(b);
    EXPECT_OK(tc_users_get_by_subscription(&b, u, "s1"));
    assert_string_equal(tc_user_login(b), "twitchdev");
    tc_user_free(b);

    EXPECT_OK(tc_user_to_json(&json, a, 0));
    assert_string_equal(json, "{\"user_id\":\"3001\",\"login\":\"twitchdev\",\"expires_at\":1800000000,"
                              "\"scopes\":[\"channel:read:subscriptions\",\"moderator:read:followers\"],"
                              "\"subscription_ids\":[\"s1\"]}");
    tc_free(json);
    json = NULL;
    EXPECT_OK(tc_user_to_json(&json, a, 1));
    assert_true(json_has(json, "\"key\":\"" SECRET_KEY "\""));
    assert_true(json_has(json, "\"refresh_token\":\"" SECRET_REFRESH "\""));
    assert_true(json_has(json, "\"code\":\"" SECRET_CODE "\""));
    tc_free(json);

    /* Absent fields: NULL / 0, and no refresh-token index entry. */
    EXPECT_OK(tc_users_add(u, SECRET_KEY2, "3002", NULL, 0));
    EXPECT_OK(tc_users_get_by_user_id(&none, u, "3002"));
    assert_null(tc_user_refresh_token(none));
    assert_null(tc_user_login(none));
    assert_null(tc_user_code(none));
    assert_true(tc_user_expires_at(none) == 0);
    assert_int_equal(tc_user_scope_count(none), 0);
    assert_null(tc_user_scope(none, 0));
    tc_user_free(none);

    /* Accessors on bad handles. */
    assert_null(tc_user_refresh_token(NULL));
    assert_null(tc_user_login(NULL));
    assert_null(tc_user_code(NULL));
    assert_true(tc_user_expires_at(NULL) == 0);
    assert_int_equal(tc_user_scope_count(NULL), 0);
    assert_null(tc_user_scope(NULL, 0));
    assert_null(tc_user_refresh_token((const tc_user *)u));
    tc_user_free(a);
    tc_users_free(u);
}

static void test_refresh_token_lookup(void **state)
{
    tc_users *u = new_users();
    tc_user_id_list *wrong = other_handle(u);
    tc_user_record r = full_record();
    tc_user *out = (tc_user *)OUT_SENTINEL;
    (void)state;

    EXPECT_OK(tc_users_add_record(u, &r, NULL, 0));
    EXPECT(tc_users_get_by_refresh_token(NULL, u, SECRET_REFRESH), TC_EINVAL, "out");
    EXPECT(tc_users_get_by_refresh_token(&out, NULL, SECRET_REFRESH), TC_EINVAL, "users");
    assert_null(out);
    EXPECT(tc_users_get_by_refresh_token(&out, (const tc_users *)wrong, SECRET_REFRESH), TC_EINVAL, "users");
    EXPECT(tc_users_get_by_refresh_token(&out, u, NULL), TC_EINVAL, "refresh_token");
    EXPECT(tc_users_get_by_refresh_token(&out, u, ""), TC_EINVAL, "refresh_token");
    EXPECT(tc_users_get_by_refresh_token(&out, u, SECRET_REFRESH2), TC_ENOTFOUND, "refresh_token");
    /* The key is not a refresh token. */
    EXPECT(tc_users_get_by_refresh_token(&out, u, SECRET_KEY), TC_ENOTFOUND, "refresh_token");
    assert_null(out);

    /* A second user cannot take the same refresh token. */
    r.key = SECRET_KEY2;
    r.user_id = "3002";
    EXPECT(tc_users_add_record(u, &r, NULL, 0), TC_ECONFLICT, "refresh_token");
    assert_int_equal(tc_users_count(u), 1);
    tc_user_id_list_free(wrong);
    tc_users_free(u);
}

static void test_replace(void **state)
{
    tc_users *u = new_users();
    tc_user_id_list *wrong = other_handle(u);
    tc_user_record r = full_record(), next;
    const char *subs[] = {"s1", "s2"};
    tc_user *old = (tc_user *)OUT_SENTINEL, *got = NULL;
    (void)state;

    EXPECT_OK(tc_users_add_record(u, &r, subs, 2));
    EXPECT_OK(tc_users_add(u, SECRET_KEY2, "3002", NULL, 0));

    next = full_record();
    next.key = "userkey-new";
    next.refresh_token = SECRET_REFRESH2;
    next.login = "renamed";
    next.scope_count = 1;
    next.code = NULL;
    EXPECT(tc_users_replace(&old, NULL, &next), TC_EINVAL, "users");
    assert_null(old);
    EXPECT(tc_users_replace(NULL, (tc_users *)wrong, &next), TC_EINVAL, "users");
    EXPECT(tc_users_replace(NULL, u, NULL), TC_EINVAL, "record");
    next.version = 77;
    EXPECT(tc_users_replace(NULL, u, &next), TC_EVERSION, "version");
    next.version = TC_USER_RECORD_VERSION;
    next.user_id = "9999";
    old = (tc_user *)OUT_SENTINEL;
    EXPECT(tc_users_replace(&old, u, &next), TC_ENOTFOUND, "user_id");
    assert_null(old);
    next.user_id = "3001";
    /* Another user's key: a conflict, and nothing changes. */
    next.key = SECRET_KEY2;
    EXPECT(tc_users_replace(NULL, u, &next), TC_ECONFLICT, "key");
    EXPECT_OK(tc_users_get_by_refresh_token(&got, u, SECRET_REFRESH));
    assert_string_equal(tc_user_user_id(got), "3001");
    tc_user_free(got);
    next.key = "userkey-new";

    EXPECT_OK(tc_users_replace(&old, u, &next));
    /* The previous record, owned by the caller. */
    assert_string_equal(tc_user_key(old), SECRET_KEY);
    assert_string_equal(tc_user_refresh_token(old), SECRET_REFRESH);
    assert_string_equal(tc_user_code(old), SECRET_CODE);
    tc_user_free(old);
    /* The old key and refresh token are gone from the indexes, the new ones in. */
    got = (tc_user *)OUT_SENTINEL;
    EXPECT(tc_users_get_by_key(&got, u, SECRET_KEY), TC_ENOTFOUND, "key");
    EXPECT(tc_users_get_by_refresh_token(&got, u, SECRET_REFRESH), TC_ENOTFOUND, "refresh_token");
    assert_null(got);
    EXPECT_OK(tc_users_get_by_refresh_token(&got, u, SECRET_REFRESH2));
    assert_string_equal(tc_user_key(got), "userkey-new");
    assert_string_equal(tc_user_login(got), "renamed");
    assert_null(tc_user_code(got));
    assert_int_equal(tc_user_scope_count(got), 1);
    /* The subscriptions stayed with the user. */
    assert_int_equal(tc_user_subscription_count(got), 2);
    tc_user_free(got);
    EXPECT_OK(tc_users_get_by_subscription(&got, u, "s2"));
    assert_string_equal(tc_user_key(got), "userkey-new");
    tc_user_free(got);

    /* Dropping the refresh token takes it out of its index; old_out may be NULL. */
    next.refresh_token = NULL;
    EXPECT_OK(tc_users_replace(NULL, u, &next));
    got = NULL;
    EXPECT(tc_users_get_by_refresh_token(&got, u, SECRET_REFRESH2), TC_ENOTFOUND, "refresh_token");
    /* ... and it can be given to another user now. */
    next.user_id = "3002";
    next.key = SECRET_KEY2;
    next.refresh_token = SECRET_REFRESH2;
    EXPECT_OK(tc_users_replace(NULL, u, &next));
    EXPECT_OK(tc_users_get_by_refresh_token(&got, u, SECRET_REFRESH2));
    assert_string_equal(tc_user_user_id(got), "3002");
    tc_user_free(got);
    assert_int_equal(tc_users_count(u), 2);
    tc_user_id_list_free(wrong);
    tc_users_free(u);
}

/* Argument and state checks of tc_users_refresh that fail before anything
 * is sent (the grant itself is tested against the mock in
 * tests/integration/test_users_refresh.c). */
static tc_conduits *offline_manager(const char *client_secret, const char *app_token)
{
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c = NULL;
    o.client_id = "x";
    o.client_secret = client_secret;
    o.app_token = app_token;
    o.api_base_url = "http://127.0.0.1:9";
    o.auth_base_url = "http://127.0.0.1:9";
    EXPECT_OK(tc_conduits_new(&c, &o));
    return c;
}

static int refresh_calls;
static void count_refresh(tc_status status, const tc_user *user, void *userdata)
{
    (void)status;
    (void)user;
    (void)userdata;
    refresh_calls++;
}

static void test_refresh_bad_arguments(void **state)
{
    tc_conduits *c = offline_manager("y-secret", NULL);
    tc_conduits *no_secret = offline_manager(NULL, "apptoken");
    tc_users *u = new_users();
    tc_user_id_list *wrong = other_handle(u);
    tc_user_record r = full_record();
    tc_op_id id = 99;
    tc_user *out = (tc_user *)OUT_SENTINEL;
    (void)state;

    EXPECT_OK(tc_users_add_record(u, &r, NULL, 0));
    EXPECT_OK(tc_users_add(u, SECRET_KEY2, "3002", NULL, 0));
    refresh_calls = 0;
    EXPECT(tc_users_refresh(&id, NULL, u, "3001", count_refresh, NULL), TC_EINVAL, "c");
    assert_true(id == 0);
    EXPECT(tc_users_refresh(&id, (tc_conduits *)u, u, "3001", count_refresh, NULL), TC_EINVAL, "c");
    EXPECT(tc_users_refresh(&id, c, NULL, "3001", count_refresh, NULL), TC_EINVAL, "users");
    EXPECT(tc_users_refresh(&id, c, (tc_users *)wrong, "3001", count_refresh, NULL), TC_EINVAL, "users");
    EXPECT(tc_users_refresh(&id, c, u, NULL, count_refresh, NULL), TC_EINVAL, "user_id");
    EXPECT(tc_users_refresh(&id, c, u, SECRET_KEY, count_refresh, NULL), TC_EINVAL, "user_id");
    EXPECT(tc_users_refresh(&id, c, u, "4242", count_refresh, NULL), TC_ENOTFOUND, "user_id");
    /* A user without a refresh token, a manager without a client secret. */
    EXPECT(tc_users_refresh(&id, c, u, "3002", count_refresh, NULL), TC_ENOCREDENTIALS, "refresh");
    EXPECT(tc_users_refresh(&id, no_secret, u, "3001", count_refresh, NULL), TC_ENOCREDENTIALS, "secret");
    assert_true(id == 0);

    EXPECT(tc_users_refresh_sync(NULL, c, u, "3001"), TC_EINVAL, "out");
    EXPECT(tc_users_refresh_sync(&out, NULL, u, "3001"), TC_EINVAL, "c");
    assert_null(out);
    EXPECT(tc_users_refresh_sync(&out, c, NULL, "3001"), TC_EINVAL, "users");
    EXPECT(tc_users_refresh_sync(&out, c, u, NULL), TC_EINVAL, "user_id");
    EXPECT(tc_users_refresh_sync(&out, c, u, "3002"), TC_ENOCREDENTIALS, "refresh");
    assert_null(out);

    /* A refused submission never runs the callback, and changed nothing. */
    assert_int_equal(tc_conduits_pending(c), 0);
    assert_int_equal(refresh_calls, 0);
    EXPECT_OK(tc_users_get_by_refresh_token(&out, u, SECRET_REFRESH));
    tc_user_free(out);
    tc_user_id_list_free(wrong);
    tc_users_free(u);
    tc_conduits_free(no_secret);
    tc_conduits_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_free),
        cmocka_unit_test(test_add_bad_arguments),
        cmocka_unit_test(test_add_conflicts),
        cmocka_unit_test(test_lookups_bad_arguments),
        cmocka_unit_test(test_lookups_not_found),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_subscriptions),
        cmocka_unit_test(test_count_and_list_bad_arguments),
        cmocka_unit_test(test_user_accessors_bad_arguments),
        cmocka_unit_test(test_list_accessors_bad_arguments),
        cmocka_unit_test(test_key_never_in_messages),
        cmocka_unit_test(test_snapshot_and_json),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_record_bad_arguments),
        cmocka_unit_test(test_record_fields_and_json),
        cmocka_unit_test(test_refresh_token_lookup),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_refresh_bad_arguments),
    };
    return cmocka_run_group_tests_name("users_api", tests, NULL, NULL);
}
