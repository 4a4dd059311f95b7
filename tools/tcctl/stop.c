/* How long-running commands (listen, shards run) stop: SIGINT/SIGTERM are
 * blocked in every thread and taken by one waiting thread, which sets a flag
 * and wakes the command's manager; plus the clocks those commands print and
 * time out by. One process runs one command, so the state is process-wide. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "tcctl.h"

static sigset_t stop_signals;
static int stop_flag;                 /* __atomic builtins: set by the signal thread */
static tc_conduits *stop_manager;     /* woken on a signal; guarded by stop_mu */
static pthread_mutex_t stop_mu = PTHREAD_MUTEX_INITIALIZER;

void tcctl_stop_block_signals(void) {
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void *signal_thread(void *arg) {
    int sig = 0;
    (void)arg;
    while (sigwait(&stop_signals, &sig) != 0) {
    }
    tcctl_stop_request();
    return NULL;
}

int tcctl_stop_watch(tc_conduits *c) {
    pthread_t thread;
    pthread_mutex_lock(&stop_mu);
    stop_manager = c;
    pthread_mutex_unlock(&stop_mu);
    if (pthread_create(&thread, NULL, signal_thread, NULL) != 0) return -1;
    pthread_detach(thread);
    return 0;
}

void tcctl_stop_unwatch(void) {
    pthread_mutex_lock(&stop_mu);
    stop_manager = NULL;  /* about to be freed: a late signal must not wake it */
    pthread_mutex_unlock(&stop_mu);
}

void tcctl_stop_request(void) {
    __atomic_store_n(&stop_flag, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&stop_mu);
    if (stop_manager != NULL) tc_conduits_wakeup(stop_manager);
    pthread_mutex_unlock(&stop_mu);
}

int tcctl_stop_requested(void) { return __atomic_load_n(&stop_flag, __ATOMIC_SEQ_CST); }

double tcctl_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void tcctl_now_text(char *out, size_t n) {
    struct timespec ts;
    struct tm tm;
    char base[32];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, n, "%s.%03ldZ", base, ts.tv_nsec / 1000000L);
}
