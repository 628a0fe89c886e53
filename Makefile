# sipterm: `make run` builds and starts the phone; `make test` runs every test.
# Both install the Debian packages they need first (.ci/deps.sh says what it installs).
GO      ?= go
BIN     := bin/sipterm
ARGS    ?=

.PHONY: run build test unit interop race fuzz bench lint deps-build deps-test clean

run: build
	./$(BIN) $(ARGS)

build: deps-build
	$(GO) build -o $(BIN) ./cmd/sipterm

deps-build:
	@bash .ci/deps.sh build

deps-test:
	@bash .ci/deps.sh test

# test: vet, the import-direction check, all tests with the race detector (interop tests start
# real peers: SIPp, baresip, kamailio, PulseAudio), then a short run of every fuzz target.
test: deps-test lint
	# -p 1: the interop tests start peers on fixed loopback ports; one package at a time keeps
	# other packages' random RTP ports from ever taking one of them.
	$(GO) test -race -count=1 -p 1 -timeout 40m ./...
	$(MAKE) fuzz FUZZTIME=10s

lint:
	$(GO) vet ./...
	@bash .ci/imports.sh

FUZZTIME ?= 30s
fuzz:
	@bash .ci/fuzz.sh $(FUZZTIME)

bench: deps-test
	@bash .ci/bench.sh

clean:
	rm -rf bin
