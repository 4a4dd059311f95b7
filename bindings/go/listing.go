package twitchconduits

import (
	"context"
	"sync"

	"twitchconduits/internal/tcswig"
)

// SubscriptionIterator walks a listing of subscriptions page by page. It
// reads each subscription from the library's page as Next reaches it and
// frees the page once passed: only then does the library fetch the page
// after the one it prefetched, so memory stays about two pages however long
// the listing. Use it like bufio.Scanner:
//
//	it := c.IterateSubscriptions(ctx, filter)
//	defer it.Close()
//	for it.Next() {
//		s := it.Subscription()
//	}
//	if err := it.Err(); err != nil { ... }
//
// An iterator is for one goroutine. Close it when leaving the loop early:
// that cancels the listing.
type SubscriptionIterator struct {
	c     *Client
	ctx   context.Context
	id    uint64
	pages *pageQueue // nil when the submission failed

	taken []tcswig.Tc_completion // taken from the queue, not yet looked at
	page  tcswig.Tc_completion   // the page being read; nil when none
	list  tcswig.Tc_subscription_list
	next  int64 // index in list of the next subscription
	count int64
	cur   Subscription

	total, totalCost, maxTotalCost int64
	err                            error
	ended                          bool // the final completion was read (or the submission failed)
}

// IterateSubscriptions starts a listing (at most one filter field set).
func (c *Client) IterateSubscriptions(ctx context.Context, filter SubscriptionFilter) *SubscriptionIterator {
	it := &SubscriptionIterator{c: c, ctx: ctx}
	if it.err = ctx.Err(); it.err != nil {
		it.ended = true
		return it
	}
	f := tcswig.NewTc_subscription_filter()
	if f.Swigcptr() == 0 {
		it.err, it.ended = newError(CodeNoMemory, "out of memory", 0), true
		return it
	}
	defer tcswig.DeleteTc_subscription_filter(f)
	f.SetStatus(filter.Status)
	f.SetXtype(filter.Type)
	f.SetUser_id(filter.UserID)
	f.SetSubscription_id(filter.SubscriptionID)
	f.SetConduit_id(filter.ConduitID)
	q := newPageQueue()
	_, id, err := c.submit(q, func(id []uint64, m tcswig.Tc_conduits, tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_subscriptions_list(id, m, f, tok)
	})
	if err != nil {
		it.err, it.ended = err, true
		return it
	}
	it.id, it.pages = id, q
	return it
}

// Next advances to the next subscription, waiting for its page when
// needed; false at the end or on an error (see Err).
func (it *SubscriptionIterator) Next() bool {
	for {
		if it.page != nil && it.next < it.count {
			it.cur = subscriptionFrom(tcswig.Tc_subscription_list_get(it.list, it.next))
			it.next++
			return true
		}
		it.dropPage()
		if it.ended && len(it.taken) == 0 {
			return false
		}
		if len(it.taken) == 0 && !it.wait() {
			return false
		}
		it.use(it.taken[0])
		it.taken = it.taken[1:]
	}
}

// Subscription is the current subscription (after Next returned true).
func (it *SubscriptionIterator) Subscription() Subscription { return it.cur }

// Totals are Twitch's total, total_cost and max_total_cost as the latest
// page reported them.
func (it *SubscriptionIterator) Totals() (total, totalCost, maxTotalCost int64) {
	return it.total, it.totalCost, it.maxTotalCost
}

// Err is why the listing stopped early (nil after the last page); ctx.Err()
// when its context ended.
func (it *SubscriptionIterator) Err() error { return it.err }

// Close cancels the listing if it has not ended and waits for its end.
// Idempotent; Err is not changed by it.
func (it *SubscriptionIterator) Close() error {
	if !it.ended {
		it.c.cancel(it.id) // before the page goes: freeing it lets the listing fetch on
	}
	it.dropPage()
	err := it.err
	it.finish()
	it.err = err
	return nil
}

// wait takes what the queue holds, honouring the context; false when the
// listing ended without another page.
func (it *SubscriptionIterator) wait() bool {
	if it.ctx.Err() == nil && it.c.awaitSignal(it.pages.signal, it.ctx.Done()) && it.ctx.Err() == nil {
		it.taken = it.pages.drain()
		return true
	}
	it.c.cancel(it.id)
	it.taken = it.pages.drain() // what a consumed signal announced, if anything
	it.finish()
	it.err = it.ctx.Err() // unread pages were dropped
	return false
}

// finish frees every completion until the final one has been read.
func (it *SubscriptionIterator) finish() {
	for {
		for _, done := range it.taken {
			it.use(done)
			it.dropPage()
		}
		it.taken = nil
		if it.ended {
			return
		}
		it.c.awaitSignal(it.pages.signal, nil)
		it.taken = it.pages.drain()
	}
}

// use makes a taken completion the page being read, or the end.
func (it *SubscriptionIterator) use(done tcswig.Tc_completion) {
	switch {
	case done.Swigcptr() == 0: // the client closed
		if !it.ended {
			it.err, it.ended = newError(CodeCanceled, "the client was closed", 0), true
		}
	case it.ended: // nothing follows a final completion
		tcswig.Tc_completion_free(done)
	case tcswig.Tc_completion_kind_get(done) == tcswig.TC_COMPLETION_PAGE:
		it.page, it.list, it.next, it.count = done, tcswig.Tc_completion_page(done), 0, 0
		if it.list.Swigcptr() != 0 {
			it.count = tcswig.Tc_subscription_list_count(it.list)
			it.total = tcswig.Tc_subscription_list_total(it.list)
			it.totalCost = tcswig.Tc_subscription_list_total_cost(it.list)
			it.maxTotalCost = tcswig.Tc_subscription_list_max_total_cost(it.list)
		}
	default:
		if tcswig.Tc_completion_is_final(done) == 1 {
			it.err, it.ended = completionError(done), true
		}
		tcswig.Tc_completion_free(done)
	}
}

// dropPage frees the page being read: the library may fetch further.
func (it *SubscriptionIterator) dropPage() {
	if it.page != nil {
		tcswig.Tc_completion_free(it.page)
		it.page, it.list, it.next, it.count = nil, nil, 0, 0
	}
}

// pageQueue is the route of a listing: its pages and final completion, in
// order, without limit (the library keeps at most about two pages ahead).
type pageQueue struct {
	mu     sync.Mutex
	queue  []tcswig.Tc_completion
	signal chan struct{} // capacity 1: something was queued
}

func newPageQueue() *pageQueue { return &pageQueue{signal: make(chan struct{}, 1)} }

func (q *pageQueue) push(done tcswig.Tc_completion) {
	q.mu.Lock()
	q.queue = append(q.queue, done)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

func (q *pageQueue) deliver(done tcswig.Tc_completion, _ tcswig.Enum_SS_tc_completion_kind) {
	q.push(done)
}
func (q *pageQueue) abandon()      { q.push(tcswig.SwigcptrTc_completion(0)) }
func (q *pageQueue) lasting() bool { return false }

// drain takes everything queued (after a signal).
func (q *pageQueue) drain() []tcswig.Tc_completion {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.queue
	q.queue = nil
	return out
}

// Subscriptions lists every subscription matching filter: a loop over
// IterateSubscriptions.
func (c *Client) Subscriptions(ctx context.Context, filter SubscriptionFilter) ([]Subscription, error) {
	it := c.IterateSubscriptions(ctx, filter)
	defer it.Close()
	var out []Subscription
	for it.Next() {
		out = append(out, it.Subscription())
	}
	return out, it.Err()
}
