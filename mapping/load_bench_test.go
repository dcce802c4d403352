package mapping

import (
	"bytes"
	"testing"
)

// BenchmarkLoadTables parses, validates and compiles every embedded table
// and the defaults, as Default does once per process (without its cache).
func BenchmarkLoadTables(b *testing.B) {
	entries, err := tablesFS.ReadDir("tables")
	if err != nil {
		b.Fatal(err)
	}
	type file struct {
		name string
		data []byte
	}
	var files []file
	for _, e := range entries {
		data, err := tablesFS.ReadFile("tables/" + e.Name())
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, file{e.Name(), data})
	}
	if _, err := Default(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			if f.name == DefaultsFile {
				if _, err := ParseDefaults(EmbeddedDir+"/"+f.name, bytes.NewReader(f.data)); err != nil {
					b.Fatal(err)
				}
				continue
			}
			name, ok := tableFileName(f.name)
			if !ok {
				continue
			}
			if _, err := ParseTable(name, EmbeddedDir+"/"+f.name, bytes.NewReader(f.data)); err != nil {
				b.Fatal(err)
			}
		}
	}
}
