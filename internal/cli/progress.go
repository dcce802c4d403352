package cli

import (
	"io"
	"os"
	"path/filepath"
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
func wantProgress(ctx *ucli.Context, stderr io.Writer) bool {
	if ctx.IsSet(progressFlag.Name) {
		return ctx.Bool(progressFlag.Name)
	}
	f, ok := stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressWriter is where convert shows progress: standard error when
// wanted (wantProgress), else nil.
func (c *CLI) progressWriter(ctx *ucli.Context) io.Writer {
	if c.Stderr != nil && wantProgress(ctx, c.Stderr) {
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
