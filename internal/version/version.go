// Package version says which build of upsmigrate runs: what --version
// prints, what the journal and report.json record.
package version

import "runtime/debug"

// linked is set at link time by the Makefile (git describe); go install
// leaves it empty and the build information speaks instead.
var linked string

// String is the version: the one the Makefile linked in, else the module
// version of a tagged build, else the commit it was built from when Go
// recorded it, followed by the Go version.
func String() string {
	bi, ok := debug.ReadBuildInfo()
	if linked != "" {
		if ok {
			return linked + " " + bi.GoVersion
		}
		return linked
	}
	if !ok {
		return "devel"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " (commit " + rev + modified + ")"
	}
	return v + " " + bi.GoVersion
}
