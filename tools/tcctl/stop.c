/* How long-running commands (listen, shards run, mock) stop: SIGINT/SIGTERM
 * are blocked in every thread and taken by one waiting thread, which sets a
 * flag, marks a self-pipe readable and wakes the command's manager. The
 * self-pipe lets output.c give up a write that cannot proceed (a pipe nobody
 * reads) instead of sitting in write() past the signal. Plus the clocks
 * those commands print and time out by. One process runs one command, so the
 * state is process-wide. */
#define _GNU_SOURCE /* pipe2 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "tcctl.h"

static sigset_t stop_signals;
static int stop_flag;                 /* __atomic builtins: set by the signal thread */
static int signal_pipe[2] = {-1, -1}; /* readable once a stop signal arrived; never drained */
static int watcher_failed;            /* the signal thread could not start */
static tc_conduits *stop_manager;     /* woken on a signal; guarded by stop_mu */
static pthread_mutex_t stop_mu = PTHREAD_MUTEX_INITIALIZER;

static void *signal_thread(void *arg) {
    int sig = 0;
    (void)arg;
    while (sigwait(&stop_signals, &sig) != 0) {
    }
    /* The pipe first: a writer blocked on output wakes up even while the
     * main thread is nowhere near the manager's loop. */
    while (write(signal_pipe[1], "s", 1) < 0 && errno == EINTR) {
    }
    tcctl_stop_request();
    return NULL;
}

void tcctl_stop_block_signals(void) {
    pthread_t thread;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* The watcher starts now, before anything is printed, so that a signal
     * arriving while the very first line is blocked still stops us. */
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0 || pthread_create(&thread, NULL, signal_thread, NULL) != 0) {
        watcher_failed = 1;
        return;
    }
    pthread_detach(thread);
}

int tcctl_stop_watch(tc_conduits *c) {
    if (watcher_failed || signal_pipe[0] < 0) return -1;
    pthread_mutex_lock(&stop_mu);
    stop_manager = c;
    pthread_mutex_unlock(&stop_mu);
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

int tcctl_stop_signal_fd(void) { return watcher_failed ? -1 : signal_pipe[0]; }

int tcctl_stop_wait_signal(void) {
    struct pollfd p;
    if (tcctl_stop_signal_fd() < 0) return -1;
    p.fd = signal_pipe[0];
    p.events = POLLIN;
    p.revents = 0;
    while (poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
    return 0;
}

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
