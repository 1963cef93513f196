# Tollgate. `make test` runs every test on a fresh machine: it installs the
# few system packages tests need (redis-server; promtool and chromium for
# the ops checks) when they are missing, then vets and tests with -race,
# and runs every benchmark once so none rots.
GO      ?= go
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Tests that skip under -race (it allocates on its own and is too slow for the
# statistical ones): `make test` runs them in its non-race pass.
NORACE_TESTS := Alloc|DoNotAllocate|DoesNotAllocate|TestCounterfactualFalsePositiveRate|TestCounterfactualPower|TestDetectionPower|TestFalseAlarmRate|TestShippedModelReproducible|TestCountMatchesTiktokenOnDatasets|TestSimCalibration

.PHONY: test deps fmt-check vet run build bench loadtest fuzz train train-refusal clean

test: deps fmt-check vet
	@# Every benchmark once (a benchmark that no longer builds or runs fails here, not in a load report), and,
	@# without the race detector, the tests that skip under it: allocation guards and statistical quality checks.
	$(GO) test -count=1 -run '$(NORACE_TESTS)' -bench . -benchtime 1x ./... > /dev/null || \
		$(GO) test -count=1 -run '$(NORACE_TESTS)' -bench . -benchtime 1x ./...
	@# ./... includes loadtest/scenario's TestSmoke: every load scenario with -smoke (a few seconds each).
	$(GO) test -race -count=1 ./...
	cd deploy/k8s/validate && $(GO) test -count=1 ./... # the k8s manifests, strictly decoded (own module: k8s.io types)

# Installs only what is missing, so a prepared machine pays nothing.
deps:
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	$(GO) mod download

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

run:
	$(GO) run ./cmd/tollgate

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o bin/tollgate ./cmd/tollgate
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o bin/mockllm ./cmd/mockllm

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1s ./...

loadtest:
	loadtest/run direct-vs-gateway

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseRequest -fuzztime 30s ./gateway
	$(GO) test -run '^$$' -fuzz FuzzSSEScanner -fuzztime 30s ./gateway
	$(GO) test -run '^$$' -fuzz FuzzSetTopLevel -fuzztime 30s ./gateway
	$(GO) test -run '^$$' -fuzz FuzzForwardedBody -fuzztime 30s ./gateway
	$(GO) test -run '^$$' -fuzz FuzzObserveEventSpacing -fuzztime 30s ./gateway
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 30s ./config
	$(GO) test -run '^$$' -fuzz FuzzStreamWindow -fuzztime 30s ./filters/filterstage
	$(GO) test -run '^$$' -fuzz FuzzRewriteRequest -fuzztime 30s ./filters/filterstage
	@for f in FuzzScanner FuzzNormalize FuzzEmail FuzzPhone FuzzCreditCard FuzzIBAN FuzzSSN FuzzIP FuzzPerson FuzzSecrets FuzzBlocklist; do \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime 30s ./filters || exit 1; \
	done
	$(GO) test -run '^$$' -fuzz FuzzScore -fuzztime 30s ./filters/injection

# Rebuilds the injection detector's model (filters/injection/model.bin) from
# its corpus, byte for byte, and prints the quality tables of docs/filters.md.
# DATASETS=../shared/datasets/injection first rebuilds the corpus from there.
train:
	$(GO) run ./filters/injection/train $(if $(DATASETS),-prepare $(DATASETS))

# Rebuilds the refusal detector's model (evals/refusal/model.bin) from the
# XSTest completions in evals/refusal/testdata, byte for byte, and prints
# its precision and recall on the held-out model (docs/evals.md).
train-refusal:
	$(GO) run ./evals/refusal/train

clean:
	rm -rf bin loadtest/results
