package gcpolicy

import (
	"errors"
	"os"
	"runtime/debug"
	"strings"
	"testing"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func files(m map[string]string) Sources {
	return Sources{MemInfo: "meminfo", SelfCgroup: "self", CgroupRoot: "/cg", ReadFileFn: func(p string) ([]byte, error) {
		if s, ok := m[p]; ok {
			return []byte(s), nil
		}
		return nil, errors.New("no such file")
	}}
}

const meminfo = "MemFree:         1000 kB\nMemTotal:       24684092 kB\nBuffers: 1 kB\n"

func TestDecide(t *testing.T) {
	tests := []struct {
		name  string
		env   func(string) string
		files map[string]string
		want  int64 // 0: no setting
	}{
		{"physical memory", env(), map[string]string{"meminfo": meminfo}, 24684092 * 1024 / 2},
		{"cgroup v2 limit below", env(), map[string]string{"meminfo": meminfo, "/cg/memory.max": "4294967296\n"}, 2147483648},
		{"cgroup v2 max", env(), map[string]string{"meminfo": meminfo, "/cg/memory.max": "max\n"}, 24684092 * 1024 / 2},
		{"cgroup v1 unlimited", env(), map[string]string{"meminfo": meminfo, "/cg/memory/memory.limit_in_bytes": "9223372036854771712\n"}, 24684092 * 1024 / 2},
		{"cgroup v1 limit", env(), map[string]string{"meminfo": meminfo, "/cg/memory/memory.limit_in_bytes": "1073741824"}, 536870912},
		{"cgroup limit above memory", env(), map[string]string{"meminfo": meminfo, "/cg/memory.max": "99999999999999"}, 24684092 * 1024 / 2},
		{"only a cgroup", env(), map[string]string{"/cg/memory.max": "2000"}, 1000},
		{"nested cgroup v2 limit", env(), map[string]string{"meminfo": meminfo, "self": "0::/system.slice/job.service\n",
			"/cg/system.slice/job.service/memory.max": "max\n", "/cg/system.slice/memory.max": "8589934592\n"}, 4294967296},
		{"nested cgroup v1 limit", env(), map[string]string{"meminfo": meminfo, "self": "5:cpu,cpuacct:/x\n4:memory:/batch/42\n",
			"/cg/memory/batch/42/memory.limit_in_bytes": "2147483648\n"}, 1073741824},
		{"cgroup of another controller", env(), map[string]string{"meminfo": meminfo, "self": "5:cpu:/batch/42\n",
			"/cg/batch/42/memory.max": "1000"}, 24684092 * 1024 / 2},
		{"nothing known", env(), map[string]string{}, 0},
		{"garbage meminfo", env(), map[string]string{"meminfo": "MemTotal: lots kB"}, 0},
		{"GOGC wins", env("GOGC", "200"), map[string]string{"meminfo": meminfo}, 0},
		{"GOMEMLIMIT wins", env("GOMEMLIMIT", "1GiB"), map[string]string{"meminfo": meminfo}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := Decide(tt.env, files(tt.files))
			if ok != (tt.want != 0) || s.MemoryLimit != tt.want {
				t.Errorf("Decide = %d, %v; want %d", s.MemoryLimit, ok, tt.want)
			}
		})
	}
}

func TestParseMemTotal(t *testing.T) {
	if got := parseMemTotal(strings.NewReader(meminfo)); got != 24684092*1024 {
		t.Errorf("got %d", got)
	}
	if got := parseMemTotal(strings.NewReader("")); got != 0 {
		t.Errorf("empty: got %d", got)
	}
}

// TestRelaxRestores checks the setting is applied while held, nested holds
// keep it, and the last restore brings back what was there before.
func TestRelaxRestores(t *testing.T) {
	if _, ok := Decide(os.Getenv, Sources{}); !ok {
		t.Skip("machine memory unknown here: Relax changes nothing")
	}
	before := debug.SetGCPercent(73)
	defer debug.SetGCPercent(before)
	limBefore := debug.SetMemoryLimit(-1)

	r1 := Relax()
	r2 := Relax()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("GC percent while relaxed = %d, want -1", p)
	}
	if lim := debug.SetMemoryLimit(-1); lim <= 0 || lim == limBefore {
		t.Errorf("memory limit while relaxed = %d, want a machine-derived limit", lim)
	}
	r1()
	r1() // a second call is a no-op
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("GC percent after the inner restore = %d, want -1", p)
	}
	r2()
	if p := debug.SetGCPercent(-1); p != 73 {
		t.Errorf("GC percent after the last restore = %d, want 73", p)
	}
	debug.SetGCPercent(73)
	if lim := debug.SetMemoryLimit(-1); lim != limBefore {
		t.Errorf("memory limit after restore = %d, want %d", lim, limBefore)
	}
}

func TestRelaxLeavesUserSettings(t *testing.T) {
	t.Setenv("GOGC", "61")
	before := debug.SetGCPercent(61)
	defer debug.SetGCPercent(before)
	restore := Relax()
	if p := debug.SetGCPercent(-1); p != 61 {
		t.Errorf("GC percent = %d, want the user's 61", p)
	}
	debug.SetGCPercent(61)
	restore()
}
