package gcpolicy

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
)

// Setting is the soft memory limit Relax sets while it turns proportional
// collection off.
type Setting struct {
	MemoryLimit int64 // bytes
}

var (
	mu      sync.Mutex
	holders int
	saved   struct {
		percent int
		limit   int64
	}
)

// Relax applies the conversion setting (see the package documentation)
// and returns the function that restores the previous one. getenv reads
// the environment (os.Getenv in the command; tests inject their own).
// Calls may nest and overlap: the first applies, the last restore undoes.
// When the environment sets GOGC or GOMEMLIMIT, or the machine's memory is
// unknown, Relax changes nothing.
func Relax(getenv func(string) string) (restore func()) {
	s, ok := Decide(getenv, Sources{})
	if !ok {
		return func() {}
	}
	mu.Lock()
	if holders == 0 {
		saved.percent = debug.SetGCPercent(-1)
		saved.limit = debug.SetMemoryLimit(s.MemoryLimit)
	}
	holders++
	mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			mu.Lock()
			defer mu.Unlock()
			if holders--; holders == 0 {
				debug.SetMemoryLimit(saved.limit)
				debug.SetGCPercent(saved.percent)
			}
		})
	}
}

// Sources are the files Decide reads the machine's memory from; empty
// fields mean the Linux defaults.
type Sources struct {
	MemInfo    string // /proc/meminfo
	CgroupV2   string // /sys/fs/cgroup/memory.max
	CgroupV1   string // /sys/fs/cgroup/memory/memory.limit_in_bytes
	ReadFileFn func(string) ([]byte, error)
}

// Decide returns the setting for this machine, or false when the
// environment configures the collector itself or no memory size is known.
func Decide(getenv func(string) string, src Sources) (Setting, bool) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return Setting{}, false
	}
	total := machineMemory(src)
	if total <= 0 {
		return Setting{}, false
	}
	return Setting{MemoryLimit: total / 2}, true
}

// machineMemory is the smaller of the physical memory and the cgroup
// limit, 0 when neither is known.
func machineMemory(src Sources) int64 {
	read := src.ReadFileFn
	if read == nil {
		read = os.ReadFile
	}
	path := func(p, def string) string {
		if p != "" {
			return p
		}
		return def
	}
	var total int64
	if data, err := read(path(src.MemInfo, "/proc/meminfo")); err == nil {
		total = parseMemTotal(bytes.NewReader(data))
	}
	for _, p := range []string{path(src.CgroupV2, "/sys/fs/cgroup/memory.max"), path(src.CgroupV1, "/sys/fs/cgroup/memory/memory.limit_in_bytes")} {
		data, err := read(p)
		if err != nil {
			continue
		}
		if lim := parseLimit(string(data)); lim > 0 && (total == 0 || lim < total) {
			total = lim
		}
	}
	return total
}

// parseMemTotal reads MemTotal (in kB) from /proc/meminfo.
func parseMemTotal(r io.Reader) int64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] != "MemTotal:" {
			continue
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || kb <= 0 || kb > math.MaxInt64/1024 {
			return 0
		}
		return kb * 1024
	}
	return 0
}

// parseLimit reads a cgroup memory limit: bytes, or "max" (none). cgroup
// v1 writes "no limit" as a number near MaxInt64.
func parseLimit(s string) int64 {
	s = strings.TrimSpace(s)
	if s == "" || s == "max" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= 1<<60 {
		return 0
	}
	return n
}
