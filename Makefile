# 500 Leads — the two commands: `make up` starts the whole system, `make test` runs every test.
# Both install what is missing first (Node 24 and the npm packages, Kafka's jars, kcat for tests).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# npm scripts and every command below run on the Node 24 pinned in devDependencies.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
# NestJS 12 and uuid are ESM-only; Jest loads them from our CommonJS tests through vm modules.
JEST := NODE_OPTIONS=--experimental-vm-modules jest

.PHONY: up down status test test-unit test-int check bench build install tools clean

up: build
	node deploy/local/stack.mjs up

down:
	@if [ -x node_modules/.bin/node ]; then node deploy/local/stack.mjs down; fi

status:
	node deploy/local/stack.mjs status

test: install tools
	@started=$$(date +%s); status=0; \
	$(MAKE) --no-print-directory check test-unit build test-int || status=$$?; \
	echo "make test: $$([ $$status = 0 ] && echo passed || echo FAILED) in $$(( $$(date +%s) - started ))s wall time"; \
	exit $$status

check: install
	bash scripts/proto-check.sh
	tsc -p tsconfig.base.json --noEmit
	tsc -p services/console/tsconfig.json --noEmit   # the web console: DOM and JSX
	tsc -p deploy/test --noEmit   # the deployment checks (ES modules)
	nx show projects >/dev/null   # computes the project graph the module-boundary lint rule reads
	eslint .

test-unit: install
	$(JEST) --selectProjects unit

test-int: install tools build
	$(JEST) --selectProjects integration --runInBand --forceExit

# Benchmarks print ratios against baselines measured in the same run (docs/benchmarks.md).
BENCHES := messaging leads-api csv-import scoring

bench: install build
	@for bench in $(BENCHES); do node --enable-source-maps dist/bench/$$bench.bench.js; done

build: install
	rm -rf dist
	npm run build --silent

install: node_modules/.install-stamp

node_modules/.install-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# kcat is the external Kafka client the tests read topics with; Debian's chromium is the browser
# the console's end-to-end tests drive (playwright-core downloads no browser).
tools:
	@command -v kcat >/dev/null || { apt-get update -qq && apt-get install -y -qq kcat; }
	@test -x /usr/lib/chromium/chromium || { apt-get update -qq && apt-get install -y -qq chromium; }

clean: down
	rm -rf dist .data .nx
