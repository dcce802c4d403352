package report

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromium finds a headless browser: the Debian package chromium (.ci/run
// installs it). Without one the test is skipped, but not in CI (CI=true),
// where a missing browser fails it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium on PATH: CI must install it (.ci/run does)")
	}
	t.Skip("no chromium on PATH (apt-get install chromium to run the browser test)")
	return ""
}

// browse runs headless Chromium on a file with its arguments and returns
// what it writes on standard output.
func browse(t *testing.T, bin, path, fragment string, args ...string) []byte {
	t.Helper()
	u := url.URL{Scheme: "file", Path: path, Fragment: fragment}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--hide-scrollbars", "--user-data-dir=" + t.TempDir(), "--window-size=1200,900", "--virtual-time-budget=5000"}, args...)
	cmd := exec.CommandContext(ctx, bin, append(all, u.String())...)
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", u.String(), err, errs.Bytes())
	}
	return out.Bytes()
}

// screenshot renders a page at 1200×900 and returns the picture.
func screenshot(t *testing.T, bin, path, fragment string) image.Image {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "shot.png")
	browse(t, bin, path, fragment, "--screenshot="+shot)
	f, err := os.Open(shot)
	must(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	must(t, err)
	return img
}

// share is the part of the picture in the given colour.
func share(img image.Image, c color.RGBA) float64 {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

var (
	headerBand = color.RGBA{0x1d, 0x35, 0x57, 0xff} // header.top
	targeted   = color.RGBA{0xff, 0xf3, 0xc4, 0xff} // section.emp:target
)

// TestBrowser renders a report paged one employee a page in headless
// Chromium, from file:// as a client opens it: the summary shows (its
// header band on screen), the search loads the index through <script src>
// and links the employee's page, and that page, opened at the employee's
// anchor, shows the section on screen (highlighted as the target).
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	d := load(t)
	d.Limits = Limits{HTMLPage: 1}
	dir := t.TempDir()
	summary := filepath.Join(dir, "report.html")
	must(t, WriteHTMLFile(summary, d))

	dom := string(browse(t, bin, summary, "find=E2", "--dump-dom"))
	for _, want := range []string{`id="summary"`, `id="lost"`, "What the customer loses by migrating",
		`<a href="report_files/employees-0002.html#emp-E2">E2</a>`} {
		if !strings.Contains(dom, want) {
			t.Errorf("the summary in the browser lacks %s", want)
		}
	}
	if img := screenshot(t, bin, summary, ""); share(img, headerBand) < 0.03 {
		t.Errorf("the summary's header is not on screen (%.3f of the picture)", share(img, headerBand))
	}

	page := filepath.Join(dir, "report_files", "employees-0002.html")
	img := screenshot(t, bin, page, "emp-E2")
	if s := share(img, targeted); s < 0.10 {
		t.Errorf("E2's section is not on screen (%.3f of the picture in its colour)", s)
	}
	dom = string(browse(t, bin, page, "", "--dump-dom"))
	for _, want := range []string{`id="emp-E2"`, "Renamed from E9 by this run.", "enterprise:2.0:User department", "Finance"} {
		if !strings.Contains(dom, want) {
			t.Errorf("E2's page in the browser lacks %s", want)
		}
	}
}
