package schemas

import (
	"encoding/json"
	"syscall"
	"testing"
	"time"
)

// Benchmarks of one User document (a POST operation's data, with the
// enterprise and spend extensions) and of a 100-operation bulk request, on
// jsonschema/v5 (the reference) and on the fast path. Both run in default
// mode, which for the reference means both variants of the schemas.

func benchUser(b *testing.B, validate func(any) []Finding) {
	doc := userDoc(7, "")
	if fs := validate(doc); len(fs) > 0 {
		b.Fatalf("benchmark document has findings: %v", fs)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		validate(doc)
	}
}

func bulk100() any {
	ops := make([]any, 100)
	for i := range ops {
		ops[i] = postOp(i, "")
	}
	return bulkOf(ops)
}

func benchBulk(b *testing.B, validate func(any) []Finding) {
	doc := bulk100()
	if fs := validate(doc); len(fs) > 0 {
		b.Fatalf("benchmark document has findings: %v", fs)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		validate(doc)
	}
}

func BenchmarkReferenceUser(b *testing.B) {
	v, _ := validators(b)
	benchUser(b, v.ValidateUser)
}

func BenchmarkFastUser(b *testing.B) {
	v, _ := validators(b)
	benchUser(b, v.Fast().ValidateUser)
}

// BenchmarkFastOperation is what convert calls per operation it writes.
func BenchmarkFastOperation(b *testing.B) {
	v, _ := validators(b)
	f := v.Fast()
	data := userDoc(7, "")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if fs := f.ValidateOperation("POST", "/Users", "emp-E00007", data); len(fs) > 0 {
			b.Fatal(fs)
		}
	}
}

// BenchmarkFastUserParallel validates on every core at once.
func BenchmarkFastUserParallel(b *testing.B) {
	v, _ := validators(b)
	f := v.Fast()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		doc := userDoc(7, "")
		for pb.Next() {
			f.ValidateUser(doc)
		}
	})
}

func BenchmarkReferenceBulk100(b *testing.B) {
	v, _ := validators(b)
	benchBulk(b, v.ValidateBulk)
}

func BenchmarkFastBulk100(b *testing.B) {
	v, _ := validators(b)
	benchBulk(b, v.Fast().ValidateBulk)
}

// BenchmarkFastOperationObject is BenchmarkFastOperation over an
// Object/Array tree (half the strings *string), as convert passes the
// plan's nodes.
func BenchmarkFastOperationObject(b *testing.B) {
	v, _ := validators(b)
	f := v.Fast()
	benchOperation(b, f, "POST", "/Users", "emp-E00007", wrap(userDoc(7, ""), true))
}

// benchOperation runs ValidateOperation on one operation and reports, next
// to the wall time, the process's CPU time per operation (cpu-ns/op),
// which a busy machine disturbs less.
func benchOperation(b *testing.B, f *FastValidator, method, path, bulkID string, data any) {
	if fs := f.ValidateOperation(method, path, bulkID, data); len(fs) > 0 {
		b.Fatal(fs)
	}
	b.ReportAllocs()
	var r0, r1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.ValidateOperation(method, path, bulkID, data)
	}
	b.StopTimer()
	syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	cpu := time.Duration(r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano())
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkDecodeBulk100 decodes a 100-operation bulk request as validate
// reads it from a file.
func BenchmarkDecodeBulk100(b *testing.B) {
	data := bulk100JSON(b)
	for i := 0; i < b.N; i++ {
		if _, err := decodeDoc(data); err != nil {
			b.Fatal(err)
		}
	}
}

// patchDoc is a PatchOp body like those convert writes for a changed
// employee: replaced core, enterprise and spend attributes, an added email.
func patchDoc() map[string]any {
	return map[string]any{
		"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{
			map[string]any{"op": "replace", "path": "name.givenName", "value": "Janet"},
			map[string]any{"op": "replace", "path": "active", "value": false},
			map[string]any{"op": "replace", "path": "displayName", "value": "Janet Doe"},
			map[string]any{"op": "add", "path": "emails", "value": []any{map[string]any{"value": "janet@example.com", "type": "work"}}},
			map[string]any{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:terminationDate", "value": "2035-12-11T19:28:00Z"},
			map[string]any{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter", "value": "CC02"},
			map[string]any{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:spend:2.0:User:locale", "value": "it-IT"},
			map[string]any{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:spend:2.0:User:customData[id eq \"custom2\"].value", "value": "X"},
		},
	}
}

// BenchmarkFastOperationPatch is BenchmarkFastOperationObject for a
// PATCH /Users/{id} operation.
func BenchmarkFastOperationPatch(b *testing.B) {
	v, _ := validators(b)
	f := v.Fast()
	benchOperation(b, f, "PATCH", "/Users/5c7b1b0e-8a53-4c1f-9f4e-2d9f0a1b3c4d", "", wrap(patchDoc(), true))
}

// BenchmarkDecodeBulk100Reused is BenchmarkDecodeBulk100 with the arenas
// of the document before, as validate decodes bulk files one after the
// other.
func BenchmarkDecodeBulk100Reused(b *testing.B) {
	data := bulk100JSON(b)
	for i := 0; i < b.N; i++ {
		_, release, err := decodeDocReused(data, true)
		if err != nil {
			b.Fatal(err)
		}
		release()
	}
}

// bulk100JSON is bulk100 as JSON, the benchmark's bytes and allocations
// reported.
func bulk100JSON(b *testing.B) []byte {
	data, err := json.Marshal(bulk100())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	return data
}
