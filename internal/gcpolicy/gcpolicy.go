package gcpolicy

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"os"
	"path"
	"runtime/debug"
	"slices"
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
// and returns the function that restores the previous one. It reads GOGC
// and GOMEMLIMIT from the process environment, which configures the
// runtime. Calls may nest and overlap: the first applies, the last restore
// undoes. When the environment sets GOGC or GOMEMLIMIT, or the machine's
// memory is unknown, Relax changes nothing.
func Relax() (restore func()) {
	s, ok := Decide(os.Getenv, Sources{})
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
	SelfCgroup string // /proc/self/cgroup: the process's cgroup paths
	CgroupRoot string // /sys/fs/cgroup
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

// machineMemory is the smallest of the physical memory and the memory
// limits of the process's cgroup and its ancestors (cgroup v2 memory.max,
// v1 memory.limit_in_bytes), 0 when none is known.
func machineMemory(src Sources) int64 {
	read := src.ReadFileFn
	if read == nil {
		read = os.ReadFile
	}
	or := func(p, def string) string {
		if p != "" {
			return p
		}
		return def
	}
	root := or(src.CgroupRoot, "/sys/fs/cgroup")
	var total int64
	lower := func(lim int64) {
		if lim > 0 && (total == 0 || lim < total) {
			total = lim
		}
	}
	if data, err := read(or(src.MemInfo, "/proc/meminfo")); err == nil {
		total = parseMemTotal(bytes.NewReader(data))
	}
	for _, f := range limitFiles(root, read, or(src.SelfCgroup, "/proc/self/cgroup")) {
		if data, err := read(f); err == nil {
			lower(parseLimit(string(data)))
		}
	}
	return total
}

// limitFiles lists the memory limit files that apply to the process: those
// of its cgroup and every ancestor up to the root, for cgroup v2 and v1.
func limitFiles(root string, read func(string) ([]byte, error), self string) []string {
	files := []string{root + "/memory.max", root + "/memory/memory.limit_in_bytes"}
	data, err := read(self)
	if err != nil {
		return files
	}
	for _, line := range strings.Split(string(data), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var base, file string
		switch {
		case parts[0] == "0" && parts[1] == "":
			base, file = root, "memory.max"
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			base, file = root+"/memory", "memory.limit_in_bytes"
		default:
			continue
		}
		for p := path.Clean("/" + parts[2]); p != "/"; p = path.Dir(p) {
			files = append(files, base+p+"/"+file)
		}
	}
	return files
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
