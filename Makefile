# drover: build, test, bench, demo. Run `make demo` then `make test` on a fresh
# machine; see README.md.

GO ?= go
DROVER := bin/drover

# Programs the examples drive, installed by `make demo` where apt-get exists.
NEEDS := nslookup dnsmasq bc sqlite3

# dnsmasq lives in /usr/sbin, which is not on every user's PATH.
export PATH := $(PATH):/usr/local/sbin:/usr/sbin:/sbin

.PHONY: all build test demo bench clean

all: build

build:
	$(GO) build -o $(DROVER) ./cmd/drover

test:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then \
		echo "these files need gofmt -w:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -race ./...

demo:
	sh scripts/need.sh $(NEEDS)
	$(MAKE) build
	$(DROVER) run -v examples/nslookup.yaml

bench:
	$(GO) test -run '^$$' -bench . ./...

clean:
	rm -rf bin
