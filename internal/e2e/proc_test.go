package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/journal"
)

// The fixed credentials every sandbox of the tests is started with.
const (
	clientID     = "e2e-client"
	clientSecret = "e2e-client-secret"
	companyID    = "053c9338-bf2a-49cd-9035-c1f97be858b0"
)

// Bounds of the waits. They only end a test that went wrong: a healthy
// run is far faster.
const (
	startTimeout = 20 * time.Second // a sandbox printing its banner
	runTimeout   = 6 * time.Minute  // one migrate process (client.limit): generous, CI runs other packages beside
	pollEvery    = 3 * time.Millisecond
)

// tempDir is t.TempDir, or with E2E_KEEP set a directory below it named
// after the test, kept after the test to be inspected (logs, journal.db,
// sandbox.db).
func tempDir(t *testing.T) string {
	t.Helper()
	keep := os.Getenv("E2E_KEEP")
	if keep == "" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp(keep, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("E2E_KEEP: files in %s", dir)
	return dir
}

// childEnv is the environment of the processes started: the test's own,
// without any UPSMIGRATE_* variable it may carry, plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "UPSMIGRATE_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// proc is a child process; its standard output and error go to log.
type proc struct {
	name  string
	log   string
	cmd   *exec.Cmd
	done  chan struct{}
	code  int           // exit code once done; -1 when killed by a signal
	limit time.Duration // how long it may run (runTimeout unless told)
}

// startProc starts bin with args in dir; t's cleanup kills it if it still
// runs.
func startProc(t *testing.T, name, dir, log string, env []string, args ...string) *proc {
	t.Helper()
	f, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintf(f, "\n=== %s %s\n", time.Now().Format("15:04:05.000"), strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, f, f
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	p := &proc{name: name, log: log, cmd: cmd, done: make(chan struct{}), limit: runTimeout}
	go func() {
		_ = cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	return p
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits at most d for the process to exit and returns its exit code;
// ok is false when it still runs.
func (p *proc) wait(d time.Duration) (code int, ok bool) {
	select {
	case <-p.done:
		return p.code, true
	case <-time.After(d):
		return 0, false
	}
}

// kill sends SIGKILL to the process (unless it has exited) and waits for it.
func (p *proc) kill() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// signal sends sig to the process if it still runs.
func (p *proc) signal(sig os.Signal) {
	if !p.exited() {
		_ = p.cmd.Process.Signal(sig)
	}
}

// output is what the process wrote so far (all runs logged to the same
// file).
func (p *proc) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// sandbox is an `upsmigrate sandbox` process.
type sandbox struct {
	t         *testing.T
	URL       string // http://127.0.0.1:port
	AuthToken string // the company request token of this process
	DB        string // its SQLite state
	Log       string // its request log
	p         *proc
}

// startSandbox starts `upsmigrate sandbox` on a free loopback port with
// its state in db, the fixed credentials (from the environment, as
// sandboxConfig reads them), the given seed and flags (faults, seeded
// users), and reads the auth token from its banner. It is stopped at t's
// cleanup.
func startSandbox(t *testing.T, db string, seed int64, faults ...string) *sandbox {
	t.Helper()
	var lastErr error
	for try := 0; try < 3; try++ {
		sb, err := trySandbox(t, db, seed, faults)
		if err == nil {
			return sb
		}
		lastErr = err
	}
	t.Fatalf("sandbox did not start: %v", lastErr)
	return nil
}

func trySandbox(t *testing.T, db string, seed int64, faults []string) (*sandbox, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	log := strings.TrimSuffix(db, filepath.Ext(db)) + ".log"
	lf, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer lf.Close()
	args := append([]string{"sandbox", "--addr", addr, "--db", db, "--seed", fmt.Sprint(seed)}, faults...)
	fmt.Fprintf(lf, "\n=== %s %s\n", time.Now().Format("15:04:05.000"), strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Env = childEnv("UPSMIGRATE_CLIENT_ID="+clientID, "UPSMIGRATE_CLIENT_SECRET="+clientSecret, "UPSMIGRATE_COMPANY_ID="+companyID)
	cmd.Stderr = lf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{name: "sandbox", log: log, cmd: cmd, done: make(chan struct{})}
	// The banner is read from standard output, then the rest copied to the
	// log so that the pipe never fills.
	tokens := make(chan string, 1)
	var banner strings.Builder
	var bmu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			bmu.Lock()
			banner.WriteString(line + "\n")
			bmu.Unlock()
			if f := strings.Fields(line); len(f) >= 3 && f[0] == "auth" && f[1] == "token" {
				tokens <- f[2]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		_ = cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	sb := &sandbox{t: t, URL: "http://" + addr, DB: db, Log: log, p: p}
	select {
	case sb.AuthToken = <-tokens:
	case <-p.done:
		bmu.Lock()
		defer bmu.Unlock()
		return nil, fmt.Errorf("sandbox exited %d before its banner: %s\n%s", p.code, banner.String(), tail(p.output(), 20))
	case <-time.After(startTimeout):
		p.kill()
		return nil, fmt.Errorf("no banner within %s", startTimeout)
	}
	// It listens before it prints the banner. (No request is sent to
	// check: it would take a draw from the seeded fault streams.)
	t.Cleanup(sb.stop)
	return sb, nil
}

// stop ends the sandbox with SIGTERM (it flushes its state to the DB),
// SIGKILL after 10 s.
func (sb *sandbox) stop() {
	sb.p.signal(syscall.SIGTERM)
	if _, ok := sb.p.wait(10 * time.Second); !ok {
		sb.t.Errorf("sandbox %s ignored SIGTERM for 10s: killed", sb.URL)
		sb.p.kill()
	}
}

// freePort is a loopback TCP port nobody listened on a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// client runs `upsmigrate migrate` against a sandbox into one directory;
// every run is the same command.
type client struct {
	t     *testing.T
	sb    *sandbox
	out   string   // the run directory (--out)
	log   string   // output of every run
	args  []string // flags and inputs after "migrate"
	limit time.Duration
	runs  int
	codes []int // exit codes of the runs that exited (-1: killed)
}

// input is what a client migrates: files (relative to the module root,
// or absolute) with extra flags, into a sandbox started with the flags
// sandbox (seeded users) on top of its faults.
type input struct {
	sandbox, extra, files []string
}

// newClient prepares migrate runs of in into out.
func newClient(t *testing.T, sb *sandbox, out string, in input) *client {
	args := []string{"migrate", "--target", sb.URL, "--yes", "--poll-interval", "100ms", "--company-id", companyID, "--out", out}
	args = slices.Concat(args, in.extra, in.files)
	return &client{t: t, sb: sb, out: out, log: out + ".log", args: args, limit: runTimeout}
}

func (c *client) env() []string {
	return childEnv("UPSMIGRATE_CLIENT_ID="+clientID, "UPSMIGRATE_CLIENT_SECRET="+clientSecret,
		"UPSMIGRATE_COMPANY_ID="+companyID, "UPSMIGRATE_REQUEST_TOKEN="+c.sb.AuthToken)
}

// start starts one run.
func (c *client) start() *proc {
	c.t.Helper()
	c.runs++
	p := startProc(c.t, fmt.Sprintf("migrate run %d", c.runs), root, c.log, c.env(), c.args...)
	p.limit = c.limit
	return p
}

// finish waits for a run to exit and returns its exit code; a run that
// does not end within its limit fails the test.
func (c *client) finish(p *proc) int {
	c.t.Helper()
	code, ok := p.wait(p.limit)
	if !ok {
		p.kill()
		c.t.Fatalf("%s did not exit within %s (a hang?); its output:\n%s", p.name, p.limit, tail(p.output(), 60))
	}
	c.codes = append(c.codes, code)
	return code
}

// runToEnd runs the command until a run exits by itself and checks that
// its exit code is one of want.
func (c *client) runToEnd(want ...int) {
	c.t.Helper()
	p := c.start()
	code := c.finish(p)
	for _, w := range want {
		if code == w {
			return
		}
	}
	c.t.Fatalf("run %d exited %d, want one of %v; output:\n%s", c.runs, code, want, tail(lastRun(p.output()), 60))
}

// lastRun is the output of the last run in a log of several.
func lastRun(log string) string {
	if i := strings.LastIndex(log, "\n=== "); i >= 0 {
		return log[i+1:]
	}
	return log
}

// snapshot is what the watcher reads of a run directory.
type snapshot struct {
	lockPID int               // pid in DIR/journal.lock (0: none)
	reqs    []journal.Request // every request of the journal
}

func (s *snapshot) count(pred func(r *journal.Request) bool) int {
	n := 0
	for i := range s.reqs {
		if pred(&s.reqs[i]) {
			n++
		}
	}
	return n
}

// has reports whether some request is in state st (and of phase ph when
// ph >= 0).
func (s *snapshot) has(st string, ph int) bool {
	return s.count(func(r *journal.Request) bool { return r.State == st && (ph < 0 || r.Phase == ph) }) > 0
}

// readSnapshot reads dir's lock file and journal (read-only, without the
// lock). A journal not there yet, or being created, reads as no requests.
func readSnapshot(dir string) *snapshot {
	s := &snapshot{}
	if b, err := os.ReadFile(filepath.Join(dir, journal.LockName)); err == nil && len(b) > 0 {
		var h struct {
			PID int `json:"pid"`
		}
		if json.Unmarshal(b, &h) == nil {
			s.lockPID = h.PID
		}
	}
	j, err := journal.OpenReadOnly(dir)
	if err != nil {
		return s
	}
	defer j.Close()
	if reqs, err := j.Requests(); err == nil {
		s.reqs = reqs
	}
	return s
}

// errExited is returned by awaitJournal when the process ended first.
var errExited = errors.New("the process exited before the point was reached")

// awaitJournal polls p's run directory until cond holds and returns that
// snapshot; errExited when p exits first; a timeout fails the test.
func awaitJournal(t *testing.T, p *proc, dir, what string, cond func(*snapshot) bool) (*snapshot, error) {
	t.Helper()
	deadline := time.Now().Add(p.limit)
	for {
		s := readSnapshot(dir)
		if s.lockPID == p.pid() && cond(s) {
			return s, nil
		}
		if p.exited() {
			return s, errExited
		}
		if time.Now().After(deadline) {
			p.kill()
			t.Fatalf("%s: %q not reached within %s; output:\n%s", p.name, what, p.limit, tail(p.output(), 40))
		}
		time.Sleep(pollEvery)
	}
}

// killAt waits until k's condition holds in p's journal (prev is the
// snapshot of the previous kill) and then SIGKILLs p. When p exits before
// the point, an optional point returns nil; any other fails the test (the
// scenario would not test what it says).
func killAt(t *testing.T, c *client, p *proc, k killPoint, prev *snapshot) *snapshot {
	t.Helper()
	s, err := awaitJournal(t, p, c.out, k.what, func(s *snapshot) bool { return k.cond(s, prev) })
	if err != nil && k.optional && p.exited() {
		c.codes = append(c.codes, p.code)
		t.Logf("%s exited %d before %q", p.name, p.code, k.what)
		return nil
	}
	if err != nil {
		t.Fatalf("kill at %q: %v (exit %d); output:\n%s", k.what, err, p.code, tail(lastRun(p.output()), 40))
	}
	p.kill()
	c.codes = append(c.codes, -1)
	t.Logf("killed %s (pid %d) at %q: %s", p.name, p.pid(), k.what, describe(s))
	return s
}

// describe words the requests of a snapshot: "5 requests: 2 done, 3 sent".
func describe(s *snapshot) string {
	counts := map[string]int{}
	var phases []string
	for _, r := range s.reqs {
		counts[r.State]++
		phases = append(phases, fmt.Sprintf("%d:%d/%s", r.ID, r.Phase, r.State))
	}
	return fmt.Sprintf("%d requests %v [%s]", len(s.reqs), counts, strings.Join(phases, " "))
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("… %d lines before", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
