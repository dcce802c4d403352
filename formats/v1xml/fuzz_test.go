package v1xml

import (
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/formattest"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

func FuzzReader(f *testing.F) {
	formattest.SeedFiles(f,
		"../../samples/legacy/users-v1-batch.xml",
		"../../samples/legacy/users-v1-nons.xml",
		"testdata/mixed-errors.xml",
	)
	formattest.Seed(f,
		"",
		"\ufeff<batch/>",
		"<batch><UserProfile><EmpId>A</EmpId></UserProfile></batch>",
		"<batch><UserProfile><EmpId><x/></EmpId></UserProfile>junk<y/></batch><z/>",
		"<batch><UserProfile><Password>a&b;</Password></UserProfile></batch>",
		"<?xml version=\"1.0\" encoding=\"latin1\"?><batch>\xe9</batch>",
		"\xff\xfe<\x00",
		"<batch>\x00\x01\x1f\xc3</batch>",
		"<batch><UserProfile><Custom1>&#x1B;&#127;\u0085\t</Custom1></UserProfile><!-- &#7; --><![CDATA[&#7;]]></batch>",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		formattest.Fuzz(t, data, "fuzz.xml", formattest.Open(NewReader), func(t *testing.T, rec *model.Record) {
			if v, ok := rec.Get("Password"); ok && v != "" && v != Redacted {
				t.Fatalf("password value not redacted")
			}
		})
	})
}
