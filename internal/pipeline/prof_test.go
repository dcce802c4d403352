package pipeline

import (
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
	"fmt"
)

func TestProfSpill(t *testing.T) {
	in := os.Getenv("SPILL_IN")
	if in == "" {
		t.Skip()
	}
	var peak uint64
	stop := make(chan bool)
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak {
				peak = ms.HeapInuse
				if os.Getenv("SPILL_HEAP") != "" && peak > 120<<20 {
					f, _ := os.Create(os.Getenv("SPILL_HEAP"))
					pprof.WriteHeapProfile(f)
					f.Close()
				}
			}
		}
	}()
	start := time.Now()
	last := ""
	o, err := ConvertTo([]string{in}, Options{CompanyID: companyID, Progress: func(p Progress) {
		if p.Stage != last { fmt.Println(time.Since(start).Round(time.Millisecond), p.Stage); last = p.Stage }
	}}, os.Getenv("SPILL_OUT"))
	close(stop)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(time.Since(start), "peak heap in use", peak>>20, "MB", o.Plan.Requests)
}
