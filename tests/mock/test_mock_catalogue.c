/* The mock accepts exactly the catalogue's types: every current
 * type+version is created (202), every withdrawn version answers 410 like
 * Twitch, and well-shaped names or versions outside the catalogue get 400. */
#include <stdio.h>
#include <string.h>

#include <twitchconduits.h>

#include "mock_helpers.h"

#define SUBS "/helix/eventsub/subscriptions"

/* A condition for t: every required key, the first key of each one-of group. */
static void condition_for(const tc_event_type *t, char *out, size_t cap) {
  size_t k, n = 0;
  n += (size_t)snprintf(out + n, cap - n, "{");
  for (k = 0; k < tc_event_type_required_count(t); ++k)
    n += (size_t)snprintf(out + n, cap - n, "%s\"%s\":\"1001\"", n > 1 ? "," : "", tc_event_type_required(t, k));
  for (k = 0; k < tc_event_type_one_of_count(t); ++k)
    n += (size_t)snprintf(out + n, cap - n, "%s\"%s\":\"1001\"", n > 1 ? "," : "", tc_event_type_one_of(t, k, 0));
  snprintf(out + n, cap - n, "}");
}

static long post(fx_t *f, const char *type, const char *version, const char *condition, const char *cid,
                 char *message, size_t cap) {
  char body[1024];
  resp_t r;
  long status;
  snprintf(body, sizeof body,
           "{\"type\":\"%s\",\"version\":\"%s\",\"condition\":%s,\"transport\":{\"method\":\"conduit\","
           "\"conduit_id\":\"%s\"}}",
           type, version, condition, cid);
  helix(f, NULL, "POST", SUBS, body, &r);
  assert_int_equal(r.rc, CURLE_OK);
  status = r.status;
  if (message) snprintf(message, cap, "%s", r.body);
  resp_free(&r);
  return status;
}

static void test_every_current_entry_is_accepted(void **state) {
  fx_t *f = *state;
  char cid[48], cond[512], msg[512];
  size_t i;
  create_conduit(f, 1, cid);
  assert_int_equal(tc_catalogue_count(), 84);
  for (i = 0; i < tc_catalogue_count(); ++i) {
    const tc_event_type *t = tc_catalogue_at(i);
    long st;
    condition_for(t, cond, sizeof cond);
    st = post(f, tc_event_type_name(t), tc_event_type_version(t), cond, cid, msg, sizeof msg);
    if (st != 202) fail_msg("%s v%s: %ld %s", tc_event_type_name(t), tc_event_type_version(t), st, msg);
  }
  assert_int_equal(tcmock_stat(f->m, "subscriptions"), 84);
}

static void test_withdrawn_versions_are_gone(void **state) {
  fx_t *f = *state;
  char cid[48], cond[512];
  size_t i;
  create_conduit(f, 1, cid);
  assert_int_equal(tc_catalogue_withdrawn_count(), 4);
  for (i = 0; i < tc_catalogue_withdrawn_count(); ++i) {
    const tc_event_type *t = tc_catalogue_withdrawn_at(i);
    condition_for(t, cond, sizeof cond);
    assert_int_equal(post(f, tc_event_type_name(t), tc_event_type_version(t), cond, cid, NULL, 0), 410);
  }
  assert_int_equal(tcmock_stat(f->m, "subscriptions"), 0);
}

static void test_names_outside_the_catalogue_are_refused(void **state) {
  fx_t *f = *state;
  char cid[48], msg[512];
  size_t i;
  static const char *const outside[][2] = {
      {"channel.follow", "3"},        {"channel.chat.message", "2"}, {"stream.online", "beta"},
      {"stream.onlinex", "1"},        {"channel.guest_star_session.begin", "1"},
      {"channel.update", "0"},        {"made.up", "1"},
  };
  create_conduit(f, 1, cid);
  for (i = 0; i < sizeof outside / sizeof outside[0]; ++i) {
    const tc_event_type *t = NULL;
    assert_int_not_equal(tc_catalogue_find(&t, outside[i][0], outside[i][1]), TC_OK);
    assert_int_equal(post(f, outside[i][0], outside[i][1], "{\"broadcaster_user_id\":\"1\"}", cid, msg, sizeof msg),
                     400);
    assert_non_null(strstr(msg, "type and version fields is not valid"));
  }
  assert_int_equal(tcmock_stat(f->m, "subscriptions"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_every_current_entry_is_accepted, setup, teardown),
      cmocka_unit_test_setup_teardown(test_withdrawn_versions_are_gone, setup, teardown),
      cmocka_unit_test_setup_teardown(test_names_outside_the_catalogue_are_refused, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
