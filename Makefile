# agentloop developer tasks. `make check` runs everything CI cares about.
GO            ?= go
GOLANGCI_VER  ?= v2.15.0
GOBIN         ?= $(shell $(GO) env GOPATH)/bin
GOLANGCI      := $(GOBIN)/golangci-lint-$(GOLANGCI_VER)

.PHONY: all fmt vet lint test fuzz-smoke modules bench tidy vuln examples check build demo load load-temporal

all: check

# The released binary: stripped, and without the build machine's paths.
build:
	$(GO) build -trimpath -ldflags='-s -w' -o agentloop ./cmd/agentloop

demo:
	$(GO) run ./cmd/agentloop demo

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

$(GOLANGCI):
	GOBIN=/tmp/golangci-$(GOLANGCI_VER) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VER)
	mkdir -p $(GOBIN) && cp /tmp/golangci-$(GOLANGCI_VER)/golangci-lint $(GOLANGCI)

lint: $(GOLANGCI)
	$(GOLANGCI) run ./...
	cd temporal && $(GOLANGCI) run ./...

test:
	$(GO) test -race -shuffle=on -timeout 20m ./...
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory modules

# MODULES are the other modules of the repository (benchmarks beside
# third-party code, integrations with heavy SDKs): each is built, vetted
# and tidy-checked, and its tests run, so none rots unnoticed.
# RACE_MODULES run their tests with -race -shuffle=on. The temporal
# module's integration tests build a Temporal server
# (temporal/internal/devserver: about 12 CPU-minutes cold, a link with a
# warm build cache) and run it in a process of its own.
MODULES := $(filter-out ., $(patsubst ./%/go.mod,%,$(shell find . -name go.mod -not -path './go.mod' -not -path '*/node_modules/*' -not -path '*/testdata/*')))
RACE_MODULES := temporal examples/temporal
modules:
	@for m in $(MODULES); do \
		echo "module $$m"; \
		case " $(RACE_MODULES) " in *" $$m "*) flags="-race -shuffle=on";; *) flags="";; esac; \
		(cd $$m && $(GO) mod tidy -diff && $(GO) vet ./... && $(GO) test $$flags -timeout 20m ./...) || exit 1; \
	done

# FUZZ lists every fuzz target as package:Target. fuzz-smoke runs each for
# FUZZTIME, one at a time on one worker, and fails when a target is missing
# from the list. FUZZTIME is a count of inputs, not a duration: a timed run
# can end with a spurious "context deadline exceeded" when the deadline
# falls while an input is being run. The long runs and their figures are in
# docs/reliability.md.
FUZZ := ./responses:FuzzSSE ./responses:FuzzItem ./responses:FuzzAccumulator \
	./responses:FuzzComputerAction ./tools:FuzzValidate ./tools/computer:FuzzCallItem \
	./vectorstore:FuzzFilter ./vectorstore:FuzzDecode ./internal/jsonscan:FuzzValue \
	./internal/bpe:FuzzSplit
FUZZTIME ?= 2000x

fuzz-smoke:
	@missing=$$(git grep -hoE '^func Fuzz[A-Za-z0-9_]+' -- '*_test.go' | sed 's/^func //' | sort -u | \
		while read -r n; do case " $(FUZZ) " in *":$$n "*) ;; *) echo "$$n" ;; esac; done); \
	if [ -n "$$missing" ]; then echo "fuzz-smoke: add to FUZZ in the Makefile:" $$missing; exit 1; fi
	@for t in $(FUZZ); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($$pkg, $(FUZZTIME))"; \
		out=$$($(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -parallel 1 $$pkg 2>&1) || \
			{ echo "$$out"; exit 1; }; \
	done

# load runs the load command (1,000 concurrent runs, stream and not); see
# docs/reliability.md.
load:
	$(GO) run ./internal/loadtest

# load-temporal runs the temporal module's load command (1,000 concurrent
# runs over 2 worker processes); see docs/temporal.md.
load-temporal:
	cd temporal && $(GO) run ./internal/loadtest -runs 1000 -workers 2 -pollers 8

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# tidy checks every module: a change to the root module's requirements can
# leave a nested module (internal/vsbench, say) untidy.
tidy:
	$(GO) mod tidy -diff
	@for m in $(MODULES); do (cd $$m && $(GO) mod tidy -diff) || { echo "module $$m is not tidy"; exit 1; }; done

vuln:
	$(GO) run golang.org/x/vuln/cmd/govulncheck@v1.9.0 ./...

examples:
	$(GO) build ./examples/...

check: fmt vet lint test tidy
