# drover: build, test, bench, demo. Run `make demo` then `make test` on a fresh
# machine; see README.md.

GO ?= go
DROVER := bin/drover

# Programs the examples drive, installed by `make demo` where apt-get exists.
NEEDS := nslookup dnsmasq bc sqlite3 socat

# dnsmasq lives in /usr/sbin, which is not on every user's PATH.
export PATH := $(PATH):/usr/local/sbin:/usr/sbin:/sbin

.PHONY: all build test demo bench cross clean

all: build

# Static (CGO_ENABLED=0): drover needs no C library, and a dynamic binary,
# which the net package makes of it when cgo is on, takes about 0.6 ms
# more to start, twice under the supervisor. Tests keep cgo: -race needs it.
# On Linux the program starts at drover_entry (-E): on amd64, drover run's
# supervisor is then a few system calls before the Go runtime, not a
# second Go program, and a run starts 1-2 ms sooner (see
# cmd/drover/internal/launch/early); on other Linux systems it is the
# runtime's own entry point. Built without it, drover works the same.
ENTRY := $(if $(filter linux,$(shell $(GO) env GOOS)),-ldflags=-E=drover_entry)

build:
	CGO_ENABLED=0 $(GO) build $(ENTRY) -o $(DROVER) ./cmd/drover

test:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then \
		echo "these files need gofmt -w:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./... ./testdata/bench/...
	$(GO) test -race ./... ./testdata/bench/...

demo:
	sh scripts/need.sh $(NEEDS)
	$(MAKE) build
	$(DROVER) run -v examples/nslookup.yaml

# make bench: the Go benchmarks of the hot paths, then drover side by side
# with Tcl Expect, pexpect, grep, xargs and GNU parallel on the same
# workloads (testdata/bench; a run and its reading in RESULTS.md there).
# It ends with the table of the performance targets, met or not.
# About 10 minutes on a 2-CPU machine whose page faults are cheap, 50 on one
# under PVM, where they are not (GNU parallel at 10,000 jobs: 5 minutes a
# run there); QUICK=1 about 3 and 6. Peers come from the
# Debian packages expect, python3-pexpect, parallel, dnsmasq-base and
# bind9-dnsutils; a missing one leaves its rows empty.
BENCH_GOFLAGS := $(if $(filter 1,$(QUICK)),-short -benchtime=100ms)
BENCH_PEERFLAGS := $(if $(filter 1,$(QUICK)),-quick)

bench: build
	$(GO) test -run '^$$' -bench . -benchmem $(BENCH_GOFLAGS) ./...
	$(GO) run ./testdata/bench -drover $(DROVER) $(BENCH_PEERFLAGS)

# Every supported system builds, Windows with pipes only, and go vet
# type-checks the tests for each. drover links with its entry point on
# every Linux architecture in CROSS_ARCHES: each one's standard library is
# built from nothing on a fresh machine, about 25 s an architecture here.
CROSS_ARCHES ?= amd64 arm64 riscv64 ppc64 ppc64le s390x loong64 mips64 mips64le 386 arm mips mipsle

cross:
	for os in linux darwin freebsd windows; do echo "GOOS=$$os"; GOOS=$$os $(GO) build ./... || exit 1; done
	for arch in $(CROSS_ARCHES); do echo "GOARCH=$$arch, drover_entry"; \
		GOOS=linux GOARCH=$$arch $(GO) build -ldflags=-E=drover_entry -o /dev/null ./cmd/drover || exit 1; done
	for os in linux darwin freebsd windows; do GOOS=$$os $(GO) vet ./... || exit 1; done

clean:
	rm -rf bin
