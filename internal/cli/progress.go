package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	ucli "github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/upsmigrate/upsmigrate/internal/pipeline"
)

// progressFlag turns the progress display on or off; by default it is on
// when standard error is a terminal.
var progressFlag = &ucli.BoolFlag{Name: "progress", Usage: "show progress on standard error (default: when it is a terminal)"}

// wantProgress applies progressFlag to stderr.
func (c *CLI) wantProgress(ctx *ucli.Context) bool {
	if ctx.IsSet(progressFlag.Name) {
		return ctx.Bool(progressFlag.Name)
	}
	return c.terminal(c.Stderr)
}

// terminal reports whether w (standard output or error) is an interactive
// terminal; tests replace the check (CLI.isTerminal).
func (c *CLI) terminal(w any) bool {
	if c.isTerminal != nil {
		return c.isTerminal(w)
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressWriter is where a command shows progress: standard error when
// wanted (wantProgress), else nil.
func (c *CLI) progressWriter(ctx *ucli.Context) io.Writer {
	if c.Stderr != nil && c.wantProgress(ctx) {
		return c.Stderr
	}
	return nil
}

// progressView shows a conversion's progress on w, one bar per stage:
// bytes of each input read, planning, files written.
type progressView struct {
	w           io.Writer
	stage, file string
	bar         *progressbar.ProgressBar
}

func (v *progressView) update(p pipeline.Progress) {
	if p.Stage != v.stage || p.File != v.file {
		v.finish()
		v.stage, v.file = p.Stage, p.File
		opts := []progressbar.Option{progressbar.OptionSetWriter(v.w), progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100 * time.Millisecond), progressbar.OptionClearOnFinish(),
			progressbar.OptionSetRenderBlankState(true)}
		switch p.Stage {
		case pipeline.StageRead:
			opts = append(opts, progressbar.OptionSetDescription("reading "+filepath.Base(p.File)), progressbar.OptionShowBytes(true))
		case pipeline.StagePlan:
			opts = append(opts, progressbar.OptionSetDescription("mapping, planning and validating"))
		case pipeline.StageWrite:
			opts = append(opts, progressbar.OptionSetDescription("writing files"), progressbar.OptionShowCount())
		}
		total := p.Total
		if total <= 0 {
			total = -1 // unknown: a spinner
		}
		v.bar = progressbar.NewOptions64(total, opts...)
	}
	if p.Total > 0 {
		v.bar.Set64(p.Done)
	}
}

// finish clears the current bar.
func (v *progressView) finish() {
	if v.bar != nil {
		v.bar.Finish()
		v.bar = nil
	}
}

// countBar shows how many of a known number of items are done.
type countBar struct {
	w    io.Writer
	desc string
	bar  *progressbar.ProgressBar
}

func newCountBar(w io.Writer, desc string) *countBar { return &countBar{w: w, desc: desc} }

// set shows done of total, starting the bar on first use.
func (b *countBar) set(done, total int) {
	if b.bar == nil {
		b.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(b.w), progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish(),
			progressbar.OptionSetDescription(b.desc), progressbar.OptionShowCount())
	}
	b.bar.Set(done)
}

// finish clears the bar.
func (b *countBar) finish() {
	if b.bar != nil {
		b.bar.Finish()
		b.bar = nil
	}
}

// taskBar shows one long task on w (standard error on a terminal): a
// spinner until the task says how far it is, then a bar. The task tells it
// through set, or the bar asks poll at every tick; it is drawn by its own
// goroutine, so that a spinner turns while nothing reports. Lines printed
// meanwhile go through println, which clears the bar first. A nil
// *taskBar shows nothing: every method may be called on it.
type taskBar struct {
	w         io.Writer
	desc      string
	bytes     bool
	every     time.Duration
	poll      func() (done, total int64)
	onFinish  func() // releases what poll holds
	mu        sync.Mutex
	bar       *progressbar.ProgressBar
	total     int64
	pass      int
	done, max atomic.Int64
	stop      chan struct{}
	stopped   chan struct{}
}

// newTaskBar returns the bar of a task described as desc on w; nil (no
// bar) when w is nil. Nothing is drawn before start.
func newTaskBar(w io.Writer, desc string) *taskBar {
	if w == nil {
		return nil
	}
	return &taskBar{w: w, desc: desc, every: 100 * time.Millisecond}
}

// start draws the bar until finish.
func (b *taskBar) start() {
	if b == nil || b.stop != nil {
		return
	}
	b.stop, b.stopped = make(chan struct{}), make(chan struct{})
	b.render()
	go func() {
		defer close(b.stopped)
		t := time.NewTicker(b.every)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.render()
			}
		}
	}()
}

// set tells the bar that done of total are done (any goroutine).
func (b *taskBar) set(done, total int64) {
	if b == nil {
		return
	}
	b.done.Store(done)
	b.max.Store(total)
}

// render draws the bar's state now.
func (b *taskBar) render() {
	done, total := b.done.Load(), b.max.Load()
	if b.poll != nil {
		done, total = b.poll()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar == nil || total > 0 && total != b.total || total > 0 && done < b.bar.State().CurrentNum {
		if b.bar != nil {
			b.bar.Finish() // cleared; a spinner's own goroutine ends
			if b.total > 0 {
				b.pass++ // the task began again: another walk
			}
		}
		desc := b.desc
		if b.pass > 0 && total > 0 {
			desc = fmt.Sprintf("%s (pass %d)", b.desc, b.pass+1)
		}
		max := total
		if max <= 0 {
			max = -1 // unknown: a spinner
		}
		opts := []progressbar.Option{progressbar.OptionSetWriter(b.w), progressbar.OptionSetWidth(30),
			progressbar.OptionClearOnFinish(), progressbar.OptionSetDescription(desc),
			progressbar.OptionSetRenderBlankState(true)}
		switch {
		case max < 0:
		case b.bytes:
			opts = append(opts, progressbar.OptionShowBytes(true))
		default:
			opts = append(opts, progressbar.OptionShowCount())
		}
		b.bar, b.total = progressbar.NewOptions64(max, opts...), total
	}
	if total > 0 {
		b.bar.Set64(done)
	} else {
		b.bar.Add64(1) // turn the spinner
	}
}

// println prints a line to out with the bar cleared first; the bar comes
// back at the next tick.
func (b *taskBar) println(out io.Writer, line string) {
	if b == nil {
		fmt.Fprintln(out, line)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		b.bar.Clear()
	}
	fmt.Fprintln(out, line)
}

// finish stops the bar and clears it.
func (b *taskBar) finish() {
	if b == nil || b.stop == nil {
		return
	}
	close(b.stop)
	<-b.stopped
	b.stop = nil
	b.render() // the last state, whatever the ticks missed
	if b.onFinish != nil {
		b.onFinish()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		b.bar.Finish()
		b.bar = nil
	}
}
