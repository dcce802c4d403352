//go:build unix

package journal

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHelperProcess is the child of the cross-process tests: it opens the
// journal in $JOURNAL_DIR, does $JOURNAL_HELPER, says "ready" and waits to
// be killed.
func TestHelperProcess(t *testing.T) {
	what := os.Getenv("JOURNAL_HELPER")
	if what == "" {
		t.Skip("only run as the child of a cross-process test")
	}
	j, err := Open(os.Getenv("JOURNAL_DIR"))
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	switch what {
	case "lock":
	case "begin":
		if err := j.PutOps(testOps(1, "A", "B", "C")); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		if err := j.BeginRequest(&Request{Phase: 1, Bytes: 99}, testOps(1, "A", "B")); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
	}
	fmt.Println("ready")
	time.Sleep(time.Minute)
	os.Exit(3)
}

// child starts the helper and waits for it to be ready.
func child(t *testing.T, what, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "JOURNAL_HELPER="+what, "JOURNAL_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("helper %s: %q, %v", what, line, err)
	}
	return cmd
}

// kill sends SIGKILL and waits for the child to be gone.
func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != -1 {
		t.Fatalf("child did not die of the signal: %v", err)
	}
}

func TestLockSameProcess(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(dir)
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Open: %v, want *LockedError", err)
	}
	host, _ := os.Hostname()
	if le.PID != os.Getpid() || le.Host != host || le.Started.IsZero() || le.Command != filepath.Base(os.Args[0]) || le.Path != filepath.Join(dir, LockName) {
		t.Errorf("holder %+v", le)
	}
	for _, want := range []string{fmt.Sprintf("pid %d", os.Getpid()), dir, "wait for it to finish"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	// A reader needs no lock.
	r, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	j2, err := Open(dir)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	j2.Close()
}

func TestLockCrossProcess(t *testing.T) {
	dir := t.TempDir()
	cmd := child(t, "lock", dir)
	_, err := Open(dir)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != cmd.Process.Pid {
		t.Fatalf("Open while the child holds the lock: %v (want *LockedError naming pid %d)", err, cmd.Process.Pid)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("pid %d", cmd.Process.Pid)) {
		t.Errorf("message %q does not name the pid", err)
	}
	kill(t, cmd)
	j, err := Open(dir)
	if err != nil {
		t.Fatalf("Open after the holder was killed: %v", err)
	}
	j.Close()
}

func TestDurabilityAfterKill(t *testing.T) {
	dir := t.TempDir()
	cmd := child(t, "begin", dir)
	// While the child is alive its writes are visible to a reader...
	r, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rs, err := r.Requests(RequestSending); err != nil || len(rs) != 1 {
		t.Errorf("reader while the child lives: %+v, %v", rs, err)
	}
	r.Close()
	kill(t, cmd)
	// ...and after SIGKILL the next writer finds them.
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	rs, err := j.Requests()
	if err != nil || len(rs) != 1 {
		t.Fatalf("requests after kill: %+v, %v", rs, err)
	}
	if rs[0].State != RequestSending || rs[0].Ops != 2 || rs[0].Bytes != 99 {
		t.Errorf("request after kill: %+v", rs[0])
	}
	ops, err := j.Ops(1)
	if err != nil || len(ops) != 3 {
		t.Fatalf("ops after kill: %+v, %v", ops, err)
	}
	want := map[string]string{"A": OpSending, "B": OpSending, "C": OpPlanned}
	for _, o := range ops {
		if o.State != want[o.Employee] {
			t.Errorf("op %s: %s, want %s", o.Employee, o.State, want[o.Employee])
		}
	}
	if sent, _ := j.OpsOfRequest(rs[0].ID); len(sent) != 2 || sent[0].Employee != "A" || sent[1].Index != 1 {
		t.Errorf("ops of the request: %+v", sent)
	}
}
