# KernelWork server side. `make help` lists the targets.

SHELL := /bin/bash
include xcaddy.mk

# every go command of this Makefile (and of the scripts it runs) uses the pinned toolchain
export GOTOOLCHAIN := $(GO_TOOLCHAIN)

GO_PACKAGES := ./...
LOCAL_ENV := .data/local.env
STACK := deploy/local/stack.sh
GOLANGCI := $(TOOLS)/golangci-lint-$(GOLANGCI_LINT_VERSION)
GOVULNCHECK := $(TOOLS)/govulncheck-$(GOVULNCHECK_VERSION)

.PHONY: help build core edge services services-stop run test test-unit lint vuln clean bench-realtime bench-limiter

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/^[^:]*://' | \
		awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

build: core edge ## build both binaries: bin/kwcore and bin/caddy

core: ## build the core binary, bin/kwcore
	go build -o bin/kwcore ./core/cmd/kwcore

edge: bin/caddy ## build the edge binary, bin/caddy (custom Caddy via xcaddy)

services: ## start PostgreSQL, Redis, versitygw, LiveKit and coturn on loopback (idempotent)
	@$(STACK) start
	@$(STACK) status

services-stop: ## stop the local services
	@$(STACK) stop

run: services build ## run the whole stack in the foreground; Ctrl-C stops the core and the edge
	@deploy/local/run.sh

test: services build ## run every test (unit, integration against the local services, end to end)
	@deploy/local/test.sh

lint: $(GOLANGCI) ## golangci-lint (gofumpt, gci, the linters of .golangci.yml) and go vet
	go vet $(GO_PACKAGES)
	$(GOLANGCI) run $(GO_PACKAGES)

VULNDB := $(TOOLS)/../vulndb/$(VULNDB_VERSION)

vuln: $(GOVULNCHECK) $(VULNDB) ## govulncheck over every package, with an offline database
	$(GOVULNCHECK) -db file://$(abspath $(VULNDB)) $(GO_PACKAGES)

# vuln.go.dev is not reachable from every build host: build the database from
# the pinned snapshot of golang.org/x/vulndb that the module proxy serves
$(VULNDB):
	@mkdir -p $(dir $@)
	dir=$$(go mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | \
		sed -n 's/.*"Dir": "\(.*\)".*/\1/p') && \
		cd "$$dir" && GOFLAGS=-mod=mod go run ./cmd/indexdb -vulns "$$dir/data/osv" -out $(abspath $@).tmp
	mv $@.tmp $@

$(GOLANGCI):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS)/lint-tmp go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(TOOLS)/lint-tmp/golangci-lint $@ && rmdir $(TOOLS)/lint-tmp

$(GOVULNCHECK):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS)/vuln-tmp go install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)
	mv $(TOOLS)/vuln-tmp/govulncheck $@ && rmdir $(TOOLS)/vuln-tmp

bench-realtime: services edge ## realtime benchmark: Go edge vs Node socket.io, 15,000 sessions each (ARGS=-quick for a smoke run)
	@gateway/bench/run.sh $(ARGS)

bench-limiter: services ## rate limiter overhead: requests per second with the Redis-backed limiter against without it
	@set -a && . .data/local.env && set +a && \
		go test -run '^$$' -bench BenchmarkLimiterOverhead -benchtime 1x -count $(or $(COUNT),1) ./caddy-modules/ratelimit/

clean: ## remove the binaries (keeps .data and the tool cache)
	rm -rf bin
