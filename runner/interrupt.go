package runner

import "context"

// watchInterrupt watches ctx for the run: when it is done before the run's
// requests are, scheduling stops and the result so far, marked
// interrupted, goes to cfg.OnInterrupt at once (the requests still in
// flight are in the result Run returns later). The function it returns is
// called once the requests are done: it ends the watch and waits for a
// hand-over under way, so that the result Run returns is the caller's last.
func (e *engine) watchInterrupt(ctx context.Context) (finished func()) {
	end := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-ctx.Done():
		case <-end:
			return
		}
		e.stop("interrupted")
		if e.cfg.OnInterrupt != nil {
			r := e.result(e.now(), true)
			e.stampStart(r) // a shard's snapshot merges with the others
			e.cfg.OnInterrupt(r)
		}
	}()
	return func() {
		close(end)
		<-done
	}
}
