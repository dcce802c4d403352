package mapping

import (
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// FuzzAdd maps arbitrary field values of every record type: the engine must
// not panic, must give every record exactly one status, and must never echo
// the password field.
func FuzzAdd(f *testing.F) {
	f.Add("305", "E1", "Y", "en_US", "US-WA", "2024-01-31", "secret")
	f.Add("350", "E1", "X", "english", "+1 (425)", "31/12/1980", "")
	f.Add("500", "E1", "EXP", "E1", "Y", "2024-02-30", "")
	f.Add("320", "E1", "E2", "a@b", "", "", "pw")
	f.Add("400", " E1 ", "EXP_USER", "R&D", "", "", "")
	set, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, typ, a, b, c, d, e, pw string) {
		tb, ok := set.Table(typ)
		if !ok || !tb.Numbered() {
			return
		}
		n := tb.FieldCount()
		vals := make([]string, n)
		vals[0] = typ
		in := []string{a, b, c, d, e}
		for i := 1; i < n; i++ {
			vals[i] = in[i%len(in)]
		}
		secret := "PW<" + pw + ">"
		for _, v := range in {
			if strings.Contains(v, secret) {
				return // the secret is also an ordinary value
			}
		}
		for _, r := range tb.Rows() {
			if r.Transform == "secret" {
				var p int
				for p = 0; p < n && tb.Rows()[p].SourceField != r.SourceField; p++ {
				}
				vals[p] = secret
			}
		}
		eng := NewEngine(set, Options{Known: func(id string) bool { return id == b }})
		eng.Add(&model.Record{Format: model.FormatConcur, Type: typ, Pos: model.Position{File: "f.csv", Line: 1}, Keys: flatKeys[:n], Values: vals})
		eng.Add(flat("f.csv", 2, "305", map[int]string{5: a, 59: b, 7: secret}))
		css, res := eng.Finish()
		if len(res) != 2 {
			t.Fatalf("%d results", len(res))
		}
		for _, r := range res {
			switch r.Status {
			case model.StatusConverted, model.StatusSkipped, model.StatusRejected:
			default:
				t.Fatalf("status %q", r.Status)
			}
			for _, m := range r.Messages {
				if strings.Contains(m.Message, "internal error") || strings.Contains(m.String(), secret) {
					t.Fatalf("message %s", m)
				}
			}
		}
		for _, cs := range css {
			for _, at := range cs.Attrs {
				if s, ok := at.Value().(string); ok && strings.Contains(s, secret) {
					t.Fatalf("password in %+v", at)
				}
			}
		}
	})
}
