package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// outcome is what one child process did.
type outcome struct {
	Wall    time.Duration
	MaxRSS  int64 // bytes, from the child's rusage; 0 when the system does not say
	Exit    int   // exit code; -1 when it was killed or could not start
	Err     error // it could not start, or it was stopped (see Stopped)
	Stopped string
	Stderr  string // the end of its standard error (standard output is discarded)
	Polled  int64  // the highest RSS the watchdog read from /proc (bytes), 0 if none
}

// limits bound one child: its wall time and its resident memory.
type limits struct {
	Timeout time.Duration // 0: none
	MaxRSS  int64         // bytes; 0: none; autoRSS: see effective
}

// autoRSS asks for a memory limit computed when each child starts.
const autoRSS = -1

// effective turns an automatic memory limit into bytes: 3/4 of the
// machine's memory, or what is available now less 1 GiB if that is less
// (the machine is shared: a child must not push others out), and at
// least 1 GiB. Without /proc/meminfo there is no limit.
func (l limits) effective() limits {
	if l.MaxRSS != autoRSS {
		return l
	}
	total, avail := memInfo()
	l.MaxRSS = 0
	if total > 0 {
		l.MaxRSS = total / 4 * 3
		if avail > 0 {
			l.MaxRSS = max(min(l.MaxRSS, avail-1<<30), 1<<30)
		}
	}
	return l
}

// runChild runs name with args and measures it. A child that outlives
// the timeout, or whose resident set exceeds the memory limit (read from
// /proc every pollEvery, where there is one), is killed and reported as
// stopped; so is one whose parent context ends (an interrupted run).
// What earlier stages wrote is flushed to disk first (flushWrites): the
// gigabytes a report writes would otherwise be written back during the
// next stage, on its cores.
func runChild(ctx context.Context, lim limits, name string, args ...string) outcome {
	o := outcome{Exit: -1}
	flushWrites()
	lim = lim.effective()
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if lim.Timeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, lim.Timeout)
	}
	defer cancel()
	cmd := exec.CommandContext(cctx, name, args...)
	stderr := &tailWriter{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	cmd.WaitDelay = 10 * time.Second

	start := time.Now()
	if err := cmd.Start(); err != nil {
		o.Err = err
		return o
	}
	var (
		mu      sync.Mutex
		overRSS bool
		polled  int64
	)
	done := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		watch(cmd.Process.Pid, done, func(rss int64) bool {
			mu.Lock()
			defer mu.Unlock()
			polled = max(polled, rss)
			if lim.MaxRSS > 0 && rss > lim.MaxRSS && !overRSS {
				overRSS = true
				cmd.Process.Kill()
			}
			return overRSS
		})
	}()
	err := cmd.Wait()
	o.Wall = time.Since(start)
	close(done)
	<-watched

	o.MaxRSS = maxRSS(cmd.ProcessState)
	o.Polled = polled
	o.Stderr = stderr.String()
	if cmd.ProcessState != nil {
		o.Exit = cmd.ProcessState.ExitCode()
	}
	switch {
	case overRSS:
		o.Stopped = "over the memory limit (" + formatBytes(lim.MaxRSS) + ")"
	case ctx.Err() != nil:
		o.Stopped = "interrupted"
	case errors.Is(cctx.Err(), context.DeadlineExceeded):
		o.Stopped = "timed out after " + lim.Timeout.String()
	}
	if o.Stopped != "" {
		o.Err = fmt.Errorf("%s: %s", name, o.Stopped)
	} else if err != nil && o.Exit < 0 {
		o.Err = err
	}
	return o
}

const pollEvery = 100 * time.Millisecond

// watch reads the resident set of pid from /proc/PID/status until done is
// closed or check returns true. Without /proc it returns at once: the
// memory limit then does not apply, and the figure reported is rusage's.
func watch(pid int, done <-chan struct{}, check func(rss int64) bool) {
	path := "/proc/" + strconv.Itoa(pid) + "/status"
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		rss, ok := readRSS(path)
		if !ok {
			return
		}
		if check(rss) {
			return
		}
		select {
		case <-done:
			return
		case <-t.C:
		}
	}
}

// readRSS reads the VmRSS line of a /proc status file, in bytes.
func readRSS(path string) (int64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	return parseVmRSS(data)
}

func parseVmRSS(data []byte) (int64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "VmRSS:") {
			continue
		}
		f := strings.Fields(line[len("VmRSS:"):])
		if len(f) != 2 || f[1] != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, false
		}
		return kb << 10, true
	}
	return 0, false
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	max int
	buf []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(p), nil
}

func (w *tailWriter) String() string { return string(w.buf) }
