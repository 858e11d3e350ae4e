# Builds the edge: Caddy at a pinned version with this repository's modules
# compiled in, to bin/caddy. Included by the Makefile; `make edge` runs it.
#
# xcaddy is pinned too and built once into $(TOOLS). It needs the module path
# with a version to use a local checkout: --with <module>@v0.0.0=<dir>.

include deploy/local/versions.env

MODULE := $(shell go list -m)
TOOLS  ?= $(HOME)/.cache/kernelwork/bin
XCADDY := $(TOOLS)/xcaddy-$(XCADDY_VERSION)
EDGE_SOURCES := $(shell find caddy-modules gateway -name '*.go' -not -name '*_test.go' 2>/dev/null) \
	kernelwork.go go.mod go.sum

$(XCADDY):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS)/xcaddy-tmp go install github.com/caddyserver/xcaddy/cmd/xcaddy@$(XCADDY_VERSION)
	mv $(TOOLS)/xcaddy-tmp/xcaddy $@ && rmdir $(TOOLS)/xcaddy-tmp

bin/caddy: $(XCADDY) $(EDGE_SOURCES)
	@mkdir -p bin
	XCADDY_SKIP_CLEANUP=0 XCADDY_WHICH_GO=go $(XCADDY) build $(CADDY_VERSION) \
		--output bin/caddy --with $(MODULE)@v0.0.0=$(CURDIR)
