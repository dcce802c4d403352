package journal

import (
	"encoding/json"
	"fmt"
	"testing"
)

func benchOps(phase, n, round int) []Op {
	ops := make([]Op, n)
	for i := range ops {
		e := fmt.Sprintf("E%06d", round*n+i)
		ops[i] = Op{Phase: phase, Employee: e, Method: "POST", Path: "/Users", Kind: "create"}
	}
	return ops
}

func benchJournal(b *testing.B) *Journal {
	j, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { j.Close() })
	return j
}

// BenchmarkPutOps100 writes 100 planned operations in one transaction.
func BenchmarkPutOps100(b *testing.B) {
	j := benchJournal(b)
	i := 0
	for b.Loop() {
		if err := j.PutOps(benchOps(1, 100, i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkBeginRequest100Ops begins a request of 100 operations.
func BenchmarkBeginRequest100Ops(b *testing.B) {
	j := benchJournal(b)
	i := 0
	for b.Loop() {
		if err := j.BeginRequest(&Request{Phase: 1, Bytes: 400 << 10}, benchOps(1, 100, i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRequestCycle100Ops is the journal's share of one request of
// 100 operations: begin, sent, the results, done.
func BenchmarkRequestCycle100Ops(b *testing.B) {
	j := benchJournal(b)
	ext := json.RawMessage(`[{"schema":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","result":"success"}]`)
	i := 0
	for b.Loop() {
		ops := benchOps(1, 100, i)
		r := &Request{Phase: 1}
		if err := j.BeginRequest(r, ops); err != nil {
			b.Fatal(err)
		}
		if err := j.MarkSent(r.ID, 202, "prov", "corr", 1); err != nil {
			b.Fatal(err)
		}
		for k := range ops {
			ops[k].State, ops[k].Code, ops[k].UserID, ops[k].Extensions = OpSuccess, "201", fmt.Sprint("uuid-", k), ext
		}
		if err := j.PutOps(ops); err != nil {
			b.Fatal(err)
		}
		if err := j.MarkRequest(r.ID, RequestDone, 0, "", ""); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkMarkSent is one small transaction: the cost of a sync.
func BenchmarkMarkSent(b *testing.B) {
	j := benchJournal(b)
	r := &Request{Phase: 1}
	if err := j.BeginRequest(r, benchOps(1, 100, 0)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := j.MarkSent(r.ID, 202, "prov", "corr", 1); err != nil {
			b.Fatal(err)
		}
	}
}
