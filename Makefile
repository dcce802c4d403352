# upsmigrate — build, test, lint, bench, demo, golden.
GO      ?= go
BIN     := bin/upsmigrate
PKGS    := ./...
DEMO    := out/demo

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X github.com/upsmigrate/upsmigrate/internal/cli.linkedVersion=$(VERSION)

.PHONY: build install test lint bench demo golden fuzz clean

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
# Every package whose tests define the -update flag.
GOLDEN_PKGS = $(shell grep -rl --include='*_test.go' 'flag.Bool("update"' . | xargs -r -n1 dirname | sort -u)

golden:
	$(GO) test -count=1 $(GOLDEN_PKGS) -args -update
	$(GO) test -count=1 $(GOLDEN_PKGS)

clean:
	rm -rf bin out bench*.txt
