package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// The bench waits, before its first stage, until creating files is as
// fast as it is on a file system at rest.
//
// ext4 without a journal (the disk of the machine in BENCHMARKS.md) does
// not reuse an inode freed in the last minute, or in the last six while
// its block of the inode table is unwritten (fs/ext4/ialloc.c,
// recently_deleted). Each new file's inode is searched from the start of
// its group, past every such inode; and a new inode dirties its block, so
// the freed inodes beside it count as recent for six minutes whatever the
// sync before. Creating the 4,000 bulk files of a 200k convert in a group
// where an earlier run's 4,000 were deleted cost 0.94–1.12 s of system
// time 65 s after the deletion and a sync, 0.80 s after 125 s, and 0.08 s
// after 400 s (measured on 2026-12-07): that is the deletion measured,
// not convert. The bench deletes nothing until it ends, so one wait
// covers what was deleted before it.

// settleProbeFiles is how many files each probe creates: as many as a
// convert of 200k employees, which fill the groups the outputs' folders
// start in. A probe of 256 files, in one group, found creation fast while
// the converts after it passed over thousands of freed inodes in the next
// groups. Kept, the probe's files take those inodes, as the outputs would.
const settleProbeFiles = 4096

// settleFast is the mean creation time of a file that ends the wait: a
// file system at rest creates one in about 20 µs on that machine; past
// recently freed inodes it took 200–300 µs.
const settleFast = 60 * time.Microsecond

// settleEvery is the time between probes.
const settleEvery = 20 * time.Second

// defaultSettle is the longest the bench waits.
const defaultSettle = 7 * time.Minute

// settleNote says why the bench waits, as it prints it.
const settleNote = "until creating files is fast: files deleted in the last minutes slow the creation of new ones on some file systems"

// probeCreate creates n empty files in a new folder of dir (kept: a
// deletion would slow the next probe) and returns the mean time of each.
func probeCreate(dir string, n int) (time.Duration, error) {
	d, err := os.MkdirTemp(dir, "settle-")
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		f, err := os.OpenFile(filepath.Join(d, fmt.Sprintf("probe-%04d", i)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return 0, err
		}
		f.Close()
	}
	return time.Since(start) / time.Duration(n), nil
}

// settle probes until a probe is faster than fast, for at most limit,
// and says what it found; it returns the last probe's mean.
func settle(ctx context.Context, log io.Writer, limit, every, fast time.Duration, probe func() (time.Duration, error), wait func(context.Context, time.Duration)) time.Duration {
	start := time.Now()
	for {
		per, err := probe()
		if err != nil {
			fmt.Fprintln(log, "benchrun: settle: probe failed, not waiting:", err)
			return 0
		}
		waited := time.Since(start).Round(time.Second)
		switch {
		case per <= fast:
			fmt.Fprintf(log, "benchrun: settled after %s: a file is created in %s\n", waited, per.Round(time.Microsecond))
			return per
		case waited+every > limit || ctx.Err() != nil:
			fmt.Fprintf(log, "benchrun: not settled after %s: a file is created in %s (at rest: under %s)\n", waited, per.Round(time.Microsecond), fast)
			return per
		}
		fmt.Fprintf(log, "benchrun: settling (%s): a file is created in %s\n", settleNote, per.Round(time.Microsecond))
		wait(ctx, every)
	}
}

// sleepCtx waits d, or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}
