# agentloop developer tasks. `make check` runs everything CI cares about.
GO            ?= go
GOLANGCI_VER  ?= v2.15.0
GOBIN         ?= $(shell $(GO) env GOPATH)/bin
GOLANGCI      := $(GOBIN)/golangci-lint-$(GOLANGCI_VER)

.PHONY: all fmt vet lint test bench tidy vuln examples check build demo

all: check

build:
	$(GO) build -o agentloop ./cmd/agentloop

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

test:
	$(GO) test -race -shuffle=on -timeout 20m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

tidy:
	$(GO) mod tidy -diff

vuln:
	$(GO) run golang.org/x/vuln/cmd/govulncheck@v1.9.0 ./...

examples:
	$(GO) build ./examples/...

check: fmt vet lint test tidy
