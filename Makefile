# upsmigrate — build, test, lint, bench, demo, golden.
GO      ?= go
BIN     := bin/upsmigrate
PKGS    := ./...
DEMO    := out/demo

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X github.com/upsmigrate/upsmigrate/internal/version.linked=$(VERSION)

.PHONY: build install test lint bench bench-whole bench-quick pgo demo golden fuzz soak clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/upsmigrate

# Install upsmigrate into $(go env GOPATH)/bin (or GOBIN): the README's
# examples call it by name.
install:
	$(GO) install -ldflags "$(LDFLAGS)" ./cmd/upsmigrate

test: build
	$(GO) test -race -count=1 $(PKGS)

lint:
	$(GO) vet $(PKGS)
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt: not formatted:"; echo "$$unformatted"; exit 1; fi

# Benchmarks: every figure is reported as a ratio to a baseline measured in
# the same run (the machines are noisy): the end-to-end figures to a bare
# encoding/csv read of the same generated 100k-row 305 file, the schema
# validators' fast path to the jsonschema/v5 reference. The sandbox reports
# sustained Bulk operations/s with 4 concurrent clients; submit its
# operations/s under --rate as a ratio to the rate.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./internal/pipeline/ | tee bench.txt
	$(GO) run ./internal/tools/benchratio -baseline BenchmarkEncodingCSV305 bench.txt
	$(GO) test -run '^$$' -bench 'ReferenceUser|FastUser$$' -benchmem -count 3 ./schemas/ | tee bench-schemas.txt
	$(GO) run ./internal/tools/benchratio -baseline BenchmarkReferenceUser bench-schemas.txt
	$(GO) test -run '^$$' -bench Bulk4Clients -benchtime 2s ./internal/sandbox/ | tee bench-sandbox.txt
	# submit: operations/s while sending under --rate R as a ratio to R
	# (target >= 0.95), and the journal's share of the whole run.
	$(GO) test -run '^$$' -bench SubmitRate -benchtime 3x ./internal/submit/ | tee bench-submit.txt
	$(MAKE) --no-print-directory bench-whole

# The whole commands as a user runs them (issue 11), each a child process:
# the parse floor (csvfloor, a bare encoding/csv read of the same files),
# convert, validate, report html and xlsx, with wall time as a ratio to the
# floor of the same run, peak RSS and bytes written. The inputs are
# generated (100k, 200k and 1M employees; 305-only, mixed 305+350+400+500
# and a warning on every record) under a temporary directory removed at
# the end. BENCH_FLAGS passes flags (e.g. -update BENCHMARKS.md, -timeout,
# -max-rss); BENCH_SIZES=10k,50k (with BENCH_SHAPES) replaces the runs.
bench-whole: build
	$(GO) build -o bin/csvfloor ./internal/tools/csvfloor
	$(GO) run ./internal/tools/benchrun -bin $(BIN) -floor bin/csvfloor $(BENCH_FLAGS) | tee bench-whole.txt

# The profile `go build` optimizes the binary with (profile-guided
# optimization: cmd/upsmigrate/default.pgo): convert, validate and report
# of the benchmark's generated inputs, profiled in one process. Refresh it
# when the hot paths change; a stale profile costs speed, not correctness.
pgo:
	$(GO) run ./internal/tools/pgoprof -out cmd/upsmigrate/default.pgo

# A quick check of the whole-command benchmark: 10k and 50k employees.
bench-quick: build
	$(GO) build -o bin/csvfloor ./internal/tools/csvfloor
	$(GO) run ./internal/tools/benchrun -bin $(BIN) -floor bin/csvfloor -sizes 10k,50k -shapes 305,mixed,findings $(BENCH_FLAGS) | tee bench-quick.txt

# Soak: the chaos migration (faults, latency, the client SIGKILLed at random
# moments and restarted) once per seed; SOAK_SEEDS replays given ones.
SOAK_SEEDS ?= $(shell for i in 1 2 3; do od -An -tu2 -N2 /dev/urandom; done)

soak: build
	@for s in $(SOAK_SEEDS); do \
		echo "soak: seed $$s"; \
		SOAK_SEED=$$s $(GO) test -tags soak -run '^TestSoak$$' -count=1 -timeout 10m -v ./internal/e2e/ || exit 1; \
	done

# Run every fuzz target of the repository (every func FuzzX(f *testing.F)
# of a _test.go file, found afresh each run) for FUZZTIME each, one at a
# time; stop at the first failure and say where its crasher was written
# (testdata/fuzz/FuzzX/ of its package: commit it as a regression seed).
# `make fuzz FUZZTIME=2m` fuzzes longer. `go test ./...` runs every
# target's seed corpus.
FUZZTIME ?= 15s

fuzz:
	@start=$$(date +%s); \
	targets=$$(grep -rE --include='*_test.go' --exclude-dir=testdata --exclude-dir=.git -o \
		'^func Fuzz[A-Za-z0-9_]*\(([A-Za-z_][A-Za-z0-9_]* )?\*testing\.F\)' . \
		| sed -E 's|^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*$$|\1 \2|' | sort -u); \
	if [ -z "$$targets" ]; then echo "make fuzz: no fuzz target found"; exit 1; fi; \
	n=$$(echo "$$targets" | wc -l); log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	echo "make fuzz: $$n targets, $(FUZZTIME) each"; \
	echo "$$targets" | { i=0; while read -r pkg name; do \
		i=$$((i+1)); echo "=== [$$i/$$n] $$name $$pkg"; \
		if ! $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg" </dev/null >"$$log" 2>&1; then \
			cat "$$log"; \
			crasher=$$(sed -n 's/.*Failing input written to \(testdata\/fuzz\/[^ ]*\).*/\1/p' "$$log" | head -1); \
			if [ -n "$$crasher" ]; then \
				echo "make fuzz: $$name failed; crasher written to $$pkg/$$crasher"; \
				echo "  re-run: $(GO) test -run '^$$name/'$$(basename $$crasher)'$$' $$pkg"; \
			else \
				echo "make fuzz: $$name in $$pkg failed (no crasher written: see above)"; \
			fi; \
			exit 1; \
		fi; \
		tail -n 1 "$$log"; \
	done; } || exit 1; \
	echo "make fuzz: $$n targets passed in $$(( $$(date +%s) - start ))s"

demo: build
	./scripts/demo.sh $(BIN) $(DEMO)

# Rewrite every golden file under testdata/ from the current code.
# Every package whose tests compare golden files through internal/golden,
# which defines the -update flag (once, for all of them).
GOLDEN_PKGS = $(shell grep -rl --include='*_test.go' '"github.com/upsmigrate/upsmigrate/internal/golden"' . | xargs -r -n1 dirname | sort -u)

golden:
	$(GO) test -count=1 $(GOLDEN_PKGS) -args -update
	$(GO) test -count=1 $(GOLDEN_PKGS)

clean:
	rm -rf bin out bench*.txt
