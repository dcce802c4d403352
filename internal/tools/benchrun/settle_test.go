package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestSettle(t *testing.T) {
	const fast = 60 * time.Microsecond
	tests := []struct {
		name   string
		probes []time.Duration // what each probe measures
		limit  time.Duration
		fail   bool
		waits  int    // waits made
		want   string // in the log
		last   time.Duration
	}{
		{"at rest", []time.Duration{20 * time.Microsecond}, time.Minute, false, 0, "settled after 0s: a file is created in 20µs", 20 * time.Microsecond},
		{"fast after two waits", []time.Duration{300 * time.Microsecond, 90 * time.Microsecond, 25 * time.Microsecond}, time.Minute, false, 2, "a file is created in 25µs", 25 * time.Microsecond},
		{"never fast: stops at the limit", []time.Duration{300 * time.Microsecond, 300 * time.Microsecond, 300 * time.Microsecond, 300 * time.Microsecond}, 0, false, 0, "not settled after 0s", 300 * time.Microsecond},
		{"probe fails", nil, time.Minute, true, 0, "probe failed, not waiting", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			i, waits := 0, 0
			probe := func() (time.Duration, error) {
				if tt.fail {
					return 0, errors.New("read-only file system")
				}
				d := tt.probes[i]
				i++
				return d, nil
			}
			wait := func(context.Context, time.Duration) { waits++ }
			got := settle(context.Background(), &log, tt.limit, time.Second, fast, probe, wait)
			if got != tt.last || waits != tt.waits || !strings.Contains(log.String(), tt.want) {
				t.Errorf("settle = %s after %d waits, log:\n%s\nwant %s after %d waits, log with %q", got, waits, log.String(), tt.last, tt.waits, tt.want)
			}
		})
	}
}

func TestSettleCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	probes := 0
	var log bytes.Buffer
	settle(ctx, &log, time.Hour, time.Second, time.Microsecond, func() (time.Duration, error) {
		probes++
		return time.Millisecond, nil
	}, func(context.Context, time.Duration) { t.Fatal("waited after the context was done") })
	if probes != 1 || !strings.Contains(log.String(), "not settled") {
		t.Errorf("%d probes, log %q; want 1 probe and not settled", probes, log.String())
	}
}

func TestProbeCreate(t *testing.T) {
	dir := t.TempDir()
	per, err := probeCreate(dir, 16)
	if err != nil || per <= 0 {
		t.Fatalf("probeCreate = %s, %v", per, err)
	}
	if _, err := probeCreate(dir, 16); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("%d folders, want one per probe (kept)", len(entries))
	}
	for _, e := range entries {
		files, _ := os.ReadDir(dir + "/" + e.Name())
		if len(files) != 16 {
			t.Errorf("%s holds %d files, want 16", e.Name(), len(files))
		}
	}
	if _, err := probeCreate(dir+"/missing", 1); err == nil {
		t.Error("probeCreate in a missing folder: no error")
	}
}
