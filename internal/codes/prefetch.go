package codes

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// PrefetchOption configures Prefetch.
type PrefetchOption func(*Prefetcher)

// WithParallel lets up to n producers call the inner source's Next at once
// (default 1, at most depth). Only sources that obtain codes concurrently
// (Authorize) gain from more than one; command and file sources are
// sequential.
func WithParallel(n int) PrefetchOption {
	return func(p *Prefetcher) { p.parallel = max(n, 1) }
}

// WithOnObtained calls f with every code the inner source yields, before it
// is buffered or dropped, for the load runner's histogram of Code.Took.
// Calls are serialised; f must not block for long.
func WithOnObtained(f func(Code)) PrefetchOption {
	return func(p *Prefetcher) { p.onObtained = f }
}

// Prefetcher wraps a Source and keeps codes ready ahead of use. Safe for
// concurrent use.
type Prefetcher struct {
	src        Source
	depth      int
	parallel   int
	maxAge     time.Duration
	now        func() time.Time
	onObtained func(Code)
	cbMu       sync.Mutex
	rec        recorder

	// slots bounds the codes buffered or being obtained to depth: a producer
	// puts a token before calling the inner Next, Next takes one out with
	// each item it takes from ready.
	slots    chan struct{}
	ready    chan item // capacity depth, so producers never block on it
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	finished chan struct{} // closed once the producers stopped and ready is closed

	mu      sync.Mutex
	termErr error // the permanent error that stopped the producers
	closed  atomic.Bool

	closeOnce sync.Once
	closeErr  error
}

// item is what a producer got: a code or an error.
type item struct {
	code *Code
	err  error
}

// Prefetch wraps src so that background producers keep depth codes ready
// ahead of use: Next returns at once when one is buffered. Codes older than
// maxAge (by ObtainedAt; 0 = no limit) or past their ExpiresAt are dropped
// and counted when Next reaches them. Errors from src are delivered, in
// order, to Next; a Permanent one stops the producers, and Next returns it
// once the codes buffered before it are used. now nil means time.Now.
//
// With depth 0 nothing is fetched ahead: Next calls src.Next itself, still
// dropping stale codes, counting and calling the WithOnObtained callback.
//
// Close stops the producers, waits for them and closes src; src's Next must
// return when its context is done.
func Prefetch(src Source, depth int, maxAge time.Duration, now func() time.Time, opts ...PrefetchOption) *Prefetcher {
	p := &Prefetcher{src: src, depth: max(depth, 0), parallel: 1, maxAge: maxAge, now: now, finished: make(chan struct{})}
	if p.now == nil {
		p.now = time.Now
	}
	for _, o := range opts {
		o(p)
	}
	p.parallel = min(p.parallel, max(p.depth, 1))
	p.ctx, p.cancel = context.WithCancel(context.Background())
	if p.depth == 0 {
		close(p.finished)
		return p
	}
	p.slots = make(chan struct{}, p.depth)
	p.ready = make(chan item, p.depth)
	for range p.parallel {
		p.wg.Add(1)
		go p.produce()
	}
	go func() {
		p.wg.Wait()
		close(p.ready)
		close(p.finished)
	}()
	return p
}

// produce obtains codes while there is room ahead, until Close or a
// permanent error.
func (p *Prefetcher) produce() {
	defer p.wg.Done()
	for {
		select {
		case p.slots <- struct{}{}:
		case <-p.ctx.Done():
			return
		}
		c, err := p.src.Next(p.ctx)
		switch {
		case err == nil:
			p.obtained(c)
			p.ready <- item{code: c} // a code got is delivered even when stopping
		case Permanent(err):
			p.terminate(err)
			return
		case p.ctx.Err() != nil:
			return // the error is the cancellation
		default:
			p.ready <- item{err: err}
		}
		if p.ctx.Err() != nil {
			return
		}
	}
}

// terminate records the first permanent error and stops the producers.
func (p *Prefetcher) terminate(err error) {
	p.mu.Lock()
	if p.termErr == nil {
		p.termErr = err
	}
	p.mu.Unlock()
	p.cancel()
}

func (p *Prefetcher) obtained(c *Code) {
	p.rec.obtained(c.Took)
	if p.onObtained != nil {
		p.cbMu.Lock()
		p.onObtained(*c)
		p.cbMu.Unlock()
	}
}

// stale reports whether c may no longer be used.
func (p *Prefetcher) stale(c *Code) bool {
	now := p.now()
	return c.expired(now) || (p.maxAge > 0 && now.Sub(c.ObtainedAt) > p.maxAge)
}

// Next returns a buffered code, or waits for one. It returns the errors the
// producers met, in order, and after a permanent one, that error for good.
func (p *Prefetcher) Next(ctx context.Context) (*Code, error) {
	if p.closed.Load() {
		p.rec.failed()
		return nil, errClosed("prefetch")
	}
	if p.depth == 0 {
		return p.direct(ctx)
	}
	for {
		select {
		case it, ok := <-p.ready:
			if !ok || p.closed.Load() {
				p.rec.failed()
				return nil, p.endErr()
			}
			<-p.slots
			if it.err != nil {
				p.rec.failed()
				return nil, it.err
			}
			if p.stale(it.code) {
				p.rec.dropped()
				continue
			}
			p.rec.used()
			return it.code, nil
		case <-ctx.Done():
			p.rec.failed()
			return nil, fmt.Errorf("codes: waiting for a code: %w", context.Cause(ctx))
		}
	}
}

// direct is Next without buffering.
func (p *Prefetcher) direct(ctx context.Context) (*Code, error) {
	for {
		c, err := p.src.Next(ctx)
		if err != nil {
			p.rec.failed()
			return nil, err
		}
		p.obtained(c)
		if p.stale(c) {
			p.rec.dropped()
			continue
		}
		p.rec.used()
		return c, nil
	}
}

func (p *Prefetcher) endErr() error {
	if p.closed.Load() {
		return errClosed("prefetch")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.termErr != nil {
		return p.termErr
	}
	return errClosed("prefetch")
}

// Stats returns the counts so far: Obtained and Took are the codes the inner
// source yielded, Dropped adds the inner source's drops to the stale codes
// dropped here, Ready is the number of codes buffered.
func (p *Prefetcher) Stats() Stats {
	s := p.rec.snapshot()
	s.Dropped += p.src.Stats().Dropped
	if p.ready != nil {
		s.Ready = int64(len(p.ready))
	}
	return s
}

// Unwrap returns the inner source.
func (p *Prefetcher) Unwrap() Source { return p.src }

// Close stops the producers, waits until none is running, then closes the
// inner source and returns its error. Buffered codes are discarded; Next
// then fails with ErrClosed.
func (p *Prefetcher) Close() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		p.cancel()
		<-p.finished
		p.closeErr = p.src.Close()
	})
	return p.closeErr
}
