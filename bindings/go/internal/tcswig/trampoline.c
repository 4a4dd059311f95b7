/* The notify function the bridge calls (on the library's dispatch thread, or
 * on the thread freeing the client) for every completed future. */
#include <stdint.h>

#include "tcb.h"
#include "_cgo_export.h"

static void tcgo_trampoline(tcb_future *f, void *userdata) {
    (void)userdata;
    tcgoNotify((uintptr_t)f);
}

void tcgo_install_notify(tcb_client *cl) { tcb_client_set_notify(cl, tcgo_trampoline, NULL); }
