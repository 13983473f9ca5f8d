package runner

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Snapshot is what the engine reports a few times a second.
type Snapshot struct {
	Elapsed time.Duration
	// Stage is the index of the running stage in the plan given to
	// NewProgress (the measured plan: without the warm-up); ignored while
	// Warmup is true.
	Stage                       int
	StageName                   string
	StageElapsed, StageDuration time.Duration // StageDuration 0 when unknown (requests-bounded)
	TargetRate                  float64       // now; 0 in the closed model
	AchievedRate                float64       // completions per second over the last second
	InFlight                    int
	Requests, Errors            int64 // so far in the whole run
	// StageRequests is the requests completed so far in this stage: the
	// progress of a stage bounded by a request count.
	StageRequests int64
	P50, P99      time.Duration // so far in this stage, from the intended send time
	CodeStarved   bool          // requests are waiting for codes: the code supply is the bottleneck
	Warmup        bool
}

// Progress is the live view of a run.
//
// Update is cheap and never blocks: it hands the snapshot over and returns
// (a snapshot that arrives while the view is busy may be skipped). Done
// shows the final snapshot, waits until the view is written and returns;
// later calls of either do nothing. Update and Done take no lock shared
// with anything else; call them from one goroutine (the engine's ticker),
// never from the request path.
type Progress interface {
	Update(Snapshot)
	Done(final Snapshot)
}

// plainEvery is how often the plain view prints a line.
const plainEvery = 5 * time.Second

// NewProgress returns the live view for a run of plan written to w: with
// tty, one progress bar per stage (github.com/vbauerster/mpb/v8); without
// (CI logs), a plain line every 5 s of Elapsed and one at the end.
// closedWorkers > 0 says the run is in the closed model with that many
// workers. Write errors stop the view's output; they are not reported.
func NewProgress(w io.Writer, tty bool, plan Plan, closedWorkers int) Progress {
	v := progressView{plan: plan, workers: closedWorkers}
	if tty {
		return newBarProgress(w, v, mpb.WithAutoRefresh())
	}
	return newPlainProgress(w, v, plainEvery)
}

// progressView formats snapshots for both kinds of Progress.
type progressView struct {
	plan    Plan
	workers int
}

// stage is e.g. "stage 2/3 30s@100" or "warm-up".
func (v progressView) stage(s Snapshot) string {
	if s.Warmup {
		return "warm-up"
	}
	name := s.StageName
	if name == "" && s.Stage >= 0 && s.Stage < len(v.plan.Stages) {
		name = v.plan.Stages[s.Stage].Name
	}
	out := "stage " + strconv.Itoa(s.Stage+1)
	if n := len(v.plan.Stages); n > 0 {
		out += "/" + strconv.Itoa(n)
	}
	if name != "" {
		out += " " + name
	}
	return out
}

// requestBound is the request count that ends the snapshot's stage when
// the stage has no known duration, else 0.
func (v progressView) requestBound(s Snapshot) int64 {
	if s.Warmup || s.StageDuration > 0 || s.Stage < 0 || s.Stage >= len(v.plan.Stages) {
		return 0
	}
	return v.plan.Stages[s.Stage].Requests
}

// position is the stage's progress: "5s/30s", "450/2000 requests" or "5s".
func (v progressView) position(s Snapshot) string {
	if s.StageDuration > 0 {
		return fmtSeconds(s.StageElapsed) + "/" + fmtSeconds(s.StageDuration)
	}
	if n := v.requestBound(s); n > 0 {
		return strconv.FormatInt(s.StageRequests, 10) + "/" + strconv.FormatInt(n, 10) + " requests"
	}
	return fmtSeconds(s.StageElapsed)
}

// figures is e.g. "rate 99.8/100/s  in flight 3  p50 4.1ms p99 9.8ms  errors 0/1000":
// achieved/target rate, or achieved rate and workers in the closed model.
func (v progressView) figures(s Snapshot) string {
	var b strings.Builder
	b.WriteString("rate ")
	b.WriteString(fmtRate(s.AchievedRate))
	switch {
	case v.workers > 0:
		fmt.Fprintf(&b, "/s (%d workers)", v.workers)
	case s.TargetRate > 0:
		b.WriteString("/" + fmtRate(s.TargetRate) + "/s")
	default:
		b.WriteString("/s") // after the plan's end
	}
	fmt.Fprintf(&b, "  in flight %d  p50 %s p99 %s  errors %d/%d", s.InFlight, fmtLatency(s.P50), fmtLatency(s.P99), s.Errors, s.Requests)
	if s.Errors > 0 && s.Requests > 0 {
		fmt.Fprintf(&b, " (%.1f%%)", 100*float64(s.Errors)/float64(s.Requests))
	}
	return b.String()
}

// line is one plain line, without the newline.
func (v progressView) line(s Snapshot, final bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%4ds] ", int64(s.Elapsed/time.Second))
	if final {
		b.WriteString("done: ")
	}
	b.WriteString(v.stage(s) + " " + v.position(s) + "  " + v.figures(s))
	if s.CodeStarved {
		b.WriteString("  (code supply limits the rate)")
	}
	return b.String()
}

// fmtSeconds is a duration in whole seconds: 5s, 1m05s, 1h02m03s.
func fmtSeconds(d time.Duration) string {
	t := int64(max(d, 0) / time.Second)
	h, m, s := t/3600, t/60%60, t%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// fmtRate is a rate to one decimal, without a trailing ".0".
func fmtRate(r float64) string {
	return strconv.FormatFloat(math.Round(r*10)/10, 'f', -1, 64)
}

// fmtLatency is a latency to two or three significant digits; "-" for 0
// (nothing measured yet).
func fmtLatency(d time.Duration) string {
	ms := float64(d) / 1e6
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return strconv.FormatInt(int64(d/time.Microsecond), 10) + "µs"
	case ms < 9.95:
		return strconv.FormatFloat(ms, 'f', 1, 64) + "ms"
	case ms < 999.5:
		return strconv.FormatFloat(ms, 'f', 0, 64) + "ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
}

// plainProgress is the plain view: a line each time Elapsed reaches the next
// multiple of every, written by its own goroutine so that a slow output
// never blocks Update.
type plainProgress struct {
	progressView
	every time.Duration
	mu    sync.Mutex // Update skips its snapshot rather than wait for Done
	next  time.Duration
	last  time.Duration
	ended bool

	out     chan string
	dropped atomic.Int64
	written chan struct{} // closed when the writer goroutine is done
	w       io.Writer
}

func newPlainProgress(w io.Writer, v progressView, every time.Duration) *plainProgress {
	l := &plainProgress{progressView: v, every: every, next: every, w: w,
		out: make(chan string, 64), written: make(chan struct{})}
	go l.write()
	return l
}

func (l *plainProgress) write() {
	defer close(l.written)
	var err error
	for s := range l.out {
		if err == nil {
			_, err = io.WriteString(l.w, s)
		}
	}
}

// Update prints a line when s.Elapsed has reached the next multiple of the
// interval (once, however many multiples it crossed). When Elapsed goes
// back (a new clock after the warm-up), the multiples restart from it.
func (l *plainProgress) Update(s Snapshot) {
	if !l.mu.TryLock() {
		return
	}
	defer l.mu.Unlock()
	if l.ended {
		return
	}
	if s.Elapsed < l.last {
		l.next = (s.Elapsed/l.every + 1) * l.every
	}
	l.last = s.Elapsed
	if s.Elapsed < l.next {
		return
	}
	l.next = (s.Elapsed/l.every + 1) * l.every
	select {
	case l.out <- l.line(s, false) + "\n":
	default:
		l.dropped.Add(1)
	}
}

// Done prints the final line and waits until everything is written.
func (l *plainProgress) Done(final Snapshot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return
	}
	l.ended = true
	l.out <- l.line(final, true) + "\n"
	if n := l.dropped.Load(); n > 0 {
		l.out <- fmt.Sprintf("(%d progress lines were skipped: the output was too slow)\n", n)
	}
	close(l.out)
	<-l.written
}

// barProgress is the terminal view: one mpb bar per stage, created when the stage
// starts and completed when it ends (aborted when the run ends before).
// Update stores the snapshot and wakes the view's goroutine, which alone
// drives the bars; the bars' decorators read their stage's last snapshot
// through an atomic pointer.
type barProgress struct {
	progressView
	p       *mpb.Progress
	latest  atomic.Pointer[Snapshot]
	wake    chan struct{} // 1 slot: "latest changed"
	final   chan Snapshot // 1 slot
	ended   atomic.Bool
	once    sync.Once
	stopped chan struct{} // closed when the bars are written
}

// stageBar is one stage's bar.
type stageBar struct {
	stage int // -1: the warm-up
	bar   *mpb.Bar
	total int64 // 0: unknown
	snap  atomic.Pointer[Snapshot]
}

func newBarProgress(w io.Writer, v progressView, opts ...mpb.ContainerOption) *barProgress {
	opts = append([]mpb.ContainerOption{mpb.WithOutput(w)}, opts...)
	b := &barProgress{progressView: v, p: mpb.New(opts...),
		wake: make(chan struct{}, 1), final: make(chan Snapshot, 1), stopped: make(chan struct{})}
	go b.run()
	return b
}

// Update hands s to the view's goroutine; it never blocks.
func (b *barProgress) Update(s Snapshot) {
	if b.ended.Load() {
		return
	}
	b.latest.Store(&s)
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Done shows final, ends the bars and waits until they are written.
func (b *barProgress) Done(final Snapshot) {
	b.once.Do(func() {
		b.ended.Store(true)
		b.final <- final
		<-b.stopped
	})
}

func (b *barProgress) run() {
	defer close(b.stopped)
	var cur *stageBar
	for {
		select {
		case <-b.wake:
			if s := b.latest.Load(); s != nil {
				cur = b.show(cur, *s)
			}
		case f := <-b.final:
			cur = b.show(cur, f)
			if cur.total > 0 && cur.bar.Current() < cur.total-1 {
				cur.bar.Abort(false) // ended early: leave the bar as it is
			} else {
				cur.bar.SetTotal(-1, true)
			}
			b.p.Wait()
			return
		}
	}
}

// show moves to s's stage (ending the previous bar) and updates its bar.
func (b *barProgress) show(cur *stageBar, s Snapshot) *stageBar {
	key := s.Stage
	if s.Warmup {
		key = -1
	}
	if cur == nil || cur.stage != key {
		if cur != nil {
			cur.bar.SetTotal(-1, true)
		}
		cur = b.addBar(key, s)
	}
	cur.snap.Store(&s)
	if cur.total > 0 {
		var at int64
		if s.StageDuration > 0 {
			at = s.StageElapsed.Milliseconds()
		} else {
			at = s.StageRequests
		}
		// Below the total: only the end of the stage completes the bar.
		cur.bar.SetCurrent(min(max(at, 0), cur.total-1))
	}
	return cur
}

func (b *barProgress) addBar(key int, s Snapshot) *stageBar {
	sb := &stageBar{stage: key}
	sb.snap.Store(&s)
	switch {
	case s.StageDuration > 0:
		sb.total = s.StageDuration.Milliseconds()
	default:
		sb.total = b.requestBound(s)
	}
	text := func(f func(Snapshot) string) decor.DecorFunc {
		return func(decor.Statistics) string { return f(*sb.snap.Load()) }
	}
	// The figures go on a line of their own under the bar, so that the bar
	// keeps its room on an 80-column terminal.
	figures := mpb.BarFillerFunc(func(w io.Writer, st decor.Statistics) error {
		s := sb.snap.Load()
		line := "  " + b.figures(*s)
		if s.CodeStarved {
			line = "  ! code supply is the bottleneck" + line
		}
		_, err := io.WriteString(w, truncate(line, st.AvailableWidth)+"\n")
		return err
	})
	sb.bar = b.p.AddBar(sb.total,
		mpb.BarWidth(40),
		mpb.PrependDecorators(
			decor.Any(text(b.stage), decor.WCSyncSpaceR),
			decor.Any(text(b.position), decor.WCSyncSpace),
		),
		mpb.BarBtmExtender(figures),
	)
	return sb
}

// truncate cuts s to width characters, marking the cut with "…".
func truncate(s string, width int) string {
	if width <= 0 || utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}

// snapshot is the engine's state for the progress view; rate is the
// achieved rate over the last second.
func (e *engine) snapshot(rate float64) Snapshot {
	elapsed := e.now().Sub(e.start)
	i := e.plan.StageAt(elapsed)
	st := e.plan.Stages[i]
	requests, errors, codeWaits := e.rec.counts()
	s := Snapshot{
		Elapsed: elapsed, Stage: i - e.warm, StageName: st.Name,
		StageElapsed: elapsed - e.plan.StageStart(i), StageDuration: e.plan.StageLength(i),
		AchievedRate: rate, InFlight: int(e.inFlight.Load()),
		Requests: requests, Errors: errors,
		Warmup: i < e.warm, CodeStarved: codeWaits > 0,
	}
	if e.cfg.Model == Open {
		s.TargetRate = e.plan.RateAt(elapsed)
		// Requests that waited for a code limit an open-model run only
		// when it falls short of its rate (a refresh run waits only to
		// start its chains).
		s.CodeStarved = s.CodeStarved && rate < 0.99*s.TargetRate
	}
	if i >= e.warm {
		s.StageRequests = e.rec.stageRequests(i - e.warm)
		if ivs := e.rec.Intervals(); len(ivs) > 0 {
			last := ivs[len(ivs)-1]
			s.P50 = time.Duration(last.LatencyMS.P50 * float64(time.Millisecond))
			s.P99 = time.Duration(last.LatencyMS.P99 * float64(time.Millisecond))
		}
	}
	return s
}
