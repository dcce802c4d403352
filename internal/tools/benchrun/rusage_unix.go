//go:build unix

package main

import (
	"os"
	"runtime"
	"syscall"
)

// maxRSS is the child's peak resident set in bytes, from its rusage (the
// figure /usr/bin/time -v prints as "Maximum resident set size"): Linux
// and the BSDs give kilobytes, macOS bytes.
func maxRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) << 10
}

// flushWrites writes what the system holds of earlier stages' files to
// disk (sync), so that a stage does not pay for their write-back.
func flushWrites() { syscall.Sync() }
