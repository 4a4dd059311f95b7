/* A tiny webhook endpoint for tests: answers Twitch's challenges by echoing
 * the challenge (or refuses them when told to), and counts what it got.
 * A stand-in until the library's own listener exists. */
#ifndef TC_TEST_RESPONDER_H
#define TC_TEST_RESPONDER_H

typedef struct responder responder;

/* Starts on a free loopback port; fails the test on error. */
responder *responder_start(int answer_correctly);
/* "http://127.0.0.1:PORT" */
const char *responder_url(const responder *r);
int responder_challenges(responder *r);
void responder_stop(responder *r);

#endif
