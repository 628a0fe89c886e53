# sipterm: `make run` builds and starts the phone; `make test` runs every test.
# Both install the Debian packages they need first (.ci/deps.sh says what it installs).
# `make help` lists every target.
GO      ?= go
BIN     := bin/sipterm
ARGS    ?=
# The version --version prints: the nearest tag and commit (with -dirty for local changes).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X main.version=$(VERSION)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: help run build test unit interop race fuzz fuzz-long bench soak loss lint deps-build deps-test clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: build ## build and start the phone (ARGS="--headless ..." passes flags)
	./$(BIN) $(ARGS)

build: deps-build ## build bin/sipterm (installs PortAudio's headers if missing)
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/sipterm

deps-build:
	@bash .ci/deps.sh build

deps-test:
	@bash .ci/deps.sh test

# test: vet, staticcheck, the import-direction check, all tests with the race detector (interop
# tests start real peers: SIPp, baresip, kamailio, PulseAudio), then a short run of every fuzz target.
test: deps-test lint ## everything CI runs: lint, every test with -race (real peers), short fuzzing
	# -p 1: the interop tests start peers on fixed loopback ports; one package at a time keeps
	# other packages' random RTP ports from ever taking one of them.
	$(GO) test -race -count=1 -p 1 -timeout 40m ./...
	$(MAKE) fuzz FUZZTIME=10s

unit: ## the tests that need no peer and no built phone (go test -short; about a minute)
	$(GO) test -short -count=1 ./...

interop: deps-test ## only the tests against real peers (SIPp, baresip, kamailio, PulseAudio), with -race
	$(GO) test -race -count=1 -p 1 -timeout 40m ./cmd/sipterm/ ./audio/

race: ## every test with the race detector, without installing anything or linting
	$(GO) test -race -count=1 -p 1 -timeout 40m ./...

lint: ## go vet, staticcheck and the import-direction check (cmd -> ui -> phone -> audio)
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@bash .ci/imports.sh

FUZZTIME ?= 30s
fuzz: ## every fuzz target for FUZZTIME (default 30s)
	@bash .ci/fuzz.sh $(FUZZTIME)

fuzz-long: ## every fuzz target for 10 minutes
	@bash .ci/fuzz.sh 10m

bench: deps-test ## Go benchmarks and the SIPp load and Opus CPU baselines against baresip (QUICK=1 for ~10 min)
	@bash .ci/bench.sh

clean: ## remove the built binary
	rm -rf bin

soak: deps-test ## 10,000 SIPp calls at 400/s, then memory; the loss campaign; the long fault drills (registrar gone 2 min) (not in make test)
	@bash .ci/soak/soak.sh
	@bash .ci/soak/loss.sh
	@bash .ci/soak/drills.sh

loss: deps-test ## SIP and RTP at 0/10/30 % loss, 40 ms +- 10 ms, both directions, in network namespaces (root)
	@bash .ci/soak/loss.sh
