# tokenbench: conformance and load testing for OAuth 2.0 / OIDC token endpoints.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/tokenbench
GOFILES  = $(shell find . -name '*.go' -not -path './.cache/*' -not -path './bin/*')

.PHONY: all build test fmt-check vet unit demo bench clean

all: build

build: ## build bin/tokenbench
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/tokenbench

test: fmt-check vet unit ## gofmt check, go vet, go test -race

fmt-check:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 ./...

demo: build ## run the main job against the embedded reference provider
	@./scripts/demo.sh $(BIN)

bench: ## Go benchmarks of the hot paths
	$(GO) test -run '^$$' -bench . -benchmem ./internal/checks ./internal/exchange

clean:
	rm -rf bin out
