package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkBulk4Clients measures sustained Bulk throughput: four clients
// post 100-operation Bulk requests creating new users (latency 0) and the
// clock stops when every provision has completed. It reports ops/s.
func BenchmarkBulk4Clients(b *testing.B) {
	c := startSandbox(b, Config{})
	co := c.srv.Credentials().CompanyID
	bodies := make([][]byte, b.N)
	for i := range bodies {
		ops := make([]map[string]any, MaxBulkOperations)
		for k := range ops {
			emp := fmt.Sprintf("B%06d-%03d", i, k)
			ops[k] = postOp(emp, newUser(co, emp))
		}
		bodies[i], _ = json.Marshal(map[string]any{"schemas": []string{urnBulkRequest}, "Operations": ops})
	}
	var next atomic.Int64
	last := make([]string, 4)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				req, _ := http.NewRequest("POST", c.base+"/profile/v4/Bulk", bytes.NewReader(bodies[i]))
				req.Header.Set("Authorization", "Bearer "+c.token)
				res, err := c.hc.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				var st map[string]any
				_ = json.NewDecoder(res.Body).Decode(&st)
				res.Body.Close()
				if res.StatusCode != 202 {
					b.Errorf("bulk: %d", res.StatusCode)
					return
				}
				last[w], _ = st["id"].(string)
			}
		}(w)
	}
	wg.Wait()
	for _, id := range last {
		if id != "" {
			if st := c.waitDone(id); get(st, "operationsCount.failed") != 0.0 {
				b.Errorf("failed operations: %v", get(st, "operationsCount"))
			}
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N*MaxBulkOperations)/elapsed.Seconds(), "ops/s")
}
