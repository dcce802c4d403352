package e2e

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// bin is the upsmigrate binary TestMain built; root is the module root
// (the working directory of the clients, so that samples/ paths resolve).
var bin, root string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	// The tests mostly wait for the processes they start: unless told
	// otherwise (-parallel), run more of them at once than GOMAXPROCS.
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		_ = flag.Set("test.parallel", "4")
	}
	var err error
	if root, err = moduleRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 2
	}
	tmp, err := os.MkdirTemp("", "upsmigrate-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 2
	}
	defer os.RemoveAll(tmp)
	bin = filepath.Join(tmp, "upsmigrate")
	// The child binary is built without -race: the test binary may run
	// under it, the processes it starts need not.
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/upsmigrate")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/upsmigrate in %s: %v\n%s", root, err, out.String())
		return 2
	}
	return m.Run()
}

// moduleRoot is the directory of the go.mod of the package under test
// (go env GOMOD), or ../.. when the go command does not say.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if gomod := strings.TrimSpace(string(out)); err == nil && gomod != "" && gomod != os.DevNull {
		return filepath.Dir(gomod), nil
	}
	abs, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
		return "", fmt.Errorf("module root not found (go env GOMOD failed, no ../../go.mod): %w", err)
	}
	return abs, nil
}
