package formats

import (
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// TestOptionalInterfaces: the optional interfaces the registry documents
// are implemented where the general code relies on them.
func TestOptionalInterfaces(t *testing.T) {
	for _, e := range readers {
		r := e.New(strings.NewReader(""), "x")
		_, recycles := r.(Recycler)
		_, settings := r.(SettingsReader)
		want := e.Name == model.FormatConcur
		if recycles != want || settings != want {
			t.Errorf("%s: Recycler %v, SettingsReader %v; want %v for both", e.Name, recycles, settings, want)
		}
	}
}
