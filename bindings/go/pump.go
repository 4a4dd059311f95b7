package twitchconduits

import (
	"sync/atomic"
	"time"

	"twitchconduits/internal/tcswig"
)

// The pump: taking completions from the manager's queue and routing them by
// token. One goroutine at a time holds the pump token (Client.pumpTok) and
// may call tc_conduits_next(); a waiting call takes it when it is free, so
// the completion it waits for is usually taken on its own thread, as a C
// program waiting in tc_conduits_await() would. Completions for others are
// handed to their routes on the way.

// leaderWaitMs bounds one wait in C of a call that pumps, so that it sees
// its context end (or its progress) without another goroutine's help.
const leaderWaitMs = 50

// pumpWhile pumps while keep() holds, then gives the token back. The caller
// has just taken the token.
func (c *Client) pumpWhile(keep func() bool) {
	defer func() { c.pumpTok <- struct{}{} }()
	for keep() && atomic.LoadInt32(&c.stopping) == 0 {
		c.pumpOnce(leaderWaitMs)
	}
}

// pumpOnce takes one completion, waiting up to timeoutMs, and routes it.
func (c *Client) pumpOnce(timeoutMs int) {
	// One cgo call takes the completion and what routing needs.
	info := c.pumpInfo
	if tcswig.Tcgo_next(c.queue, info, timeoutMs) != tcswig.TC_OK || info[0] == 0 {
		return // timed out, or woken up by Close
	}
	done := tcswig.SwigcptrTc_completion(uintptr(info[0]))
	token, final, kind := uintptr(info[1]), info[2] == 1, tcswig.Enum_SS_tc_completion_kind(info[3])
	c.routesMu.Lock()
	r := c.routes[token]
	if final && r != nil && !r.lasting() {
		delete(c.routes, token) // an operation's last completion: its token is done
	}
	c.routesMu.Unlock()
	if r == nil {
		tcswig.Tc_completion_free(done) // a closed listener's late event
		return
	}
	r.deliver(done, kind)
}

// startBackgroundPump makes sure completions nobody waits for (events, view
// changes) are taken: a goroutine that pumps, one wait in C at a time,
// whenever no call holds the token.
func (c *Client) startBackgroundPump() {
	c.background.Do(func() {
		go func() {
			for {
				select {
				case <-c.pumpTok:
				case <-c.closed:
					return
				}
				if atomic.LoadInt32(&c.stopping) == 0 {
					c.pumpOnce(leaderWaitMs)
				}
				c.pumpTok <- struct{}{} // a waiting call may take it now
			}
		}()
	})
}

// awaitSignal blocks until sig holds something or done is closed, pumping
// whenever the token is free. It reports whether sig was signalled.
func (c *Client) awaitSignal(sig chan struct{}, done <-chan struct{}) bool {
	for {
		select {
		case <-sig:
			return true
		case <-done:
			return false
		case <-c.pumpTok:
			c.pumpWhile(func() bool {
				if len(sig) > 0 {
					return false
				}
				select {
				case <-done:
					return false
				default:
					return true
				}
			})
		}
	}
}

// takePumpForGood takes the token and keeps it: from then on nobody calls
// tc_conduits_next() and the manager may be freed. A holder waiting in C is
// woken until it gives the token back.
func (c *Client) takePumpForGood() {
	atomic.StoreInt32(&c.stopping, 1)
	for {
		select {
		case <-c.pumpTok:
			return
		case <-time.After(5 * time.Millisecond):
			tcswig.Tc_conduits_wakeup(c.queue)
		}
	}
}
