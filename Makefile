# tokenbench: conformance and load testing for OAuth 2.0 / OIDC token endpoints.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/tokenbench
IMAGE   ?= tokenbench:$(VERSION)
GOFILES  = $(shell find . -name '*.go' -not -path './.cache/*' -not -path './bin/*')

.PHONY: all build test fmt-check vet unit docs demo bench e2e walkthrough browser-check k8s-sim image clean

all: build

build: ## build bin/tokenbench
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/tokenbench

test: fmt-check vet unit ## gofmt check, go vet, go test -race

fmt-check:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 -timeout 25m ./...

docs: ## regenerate the generated parts of docs/ (the import rules, the requirement catalogue); make test fails when they are stale
	$(GO) generate ./...

demo: build ## run the main job against the embedded reference provider
	@./scripts/demo.sh $(BIN)

walkthrough: build ## the reference provider driven by curl alone
	@./scripts/curl-walkthrough.sh $(BIN)

e2e: build walkthrough ## conform and load against real providers (node oidc-provider, zitadel, hydra), then the browser check
	TOKENBENCH=$(CURDIR)/$(BIN) bash e2e/run.sh
	@./scripts/browser-check.sh $(BIN)

browser-check: build ## open every HTML report in headless Chromium: no console errors, charts sized, verdict visible, screenshots in out/
	@./scripts/browser-check.sh $(BIN)

image: ## the container image (Dockerfile: static binary, distroless, non-root) with docker or podman; without one, says how and checks the static build
	@./scripts/image.sh "$(IMAGE)" "$(VERSION)"

k8s-sim: build ## the manifest of 'k8s manifest' played without a cluster: 4 shard processes x 500/s for 20 s against one reference provider, merged with --slo, checked exactly (docs/kubernetes.md)
	$(GO) build -o .cache/bin/k8ssim ./e2e/k8ssim
	.cache/bin/k8ssim -tokenbench $(BIN) -work $${K8S_SIM_WORK:-out/k8s-sim}

bench: ## tokenbench side by side with vegeta and wrk, plus Go benchmarks (writes out/bench.md)
	@./scripts/bench.sh

clean:
	rm -rf bin out
