# syncgate: the two commands are `make run` and `make test`. Each installs what a fresh
# Debian 12 machine lacks (nothing is downloaded from outside the package registries).
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO_LEPTOS_VERSION := 0.3.10
# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/{getline; gsub(/"/,"",$$3); print $$3}' Cargo.lock)
NODE_BIN := $(CURDIR)/end2end/node_modules/.bin
export PATH := $(HOME)/.cargo/bin:$(NODE_BIN):$(PATH)

.PHONY: help run build release size smoke test test-rust test-e2e tools tools-rust tools-node tools-browser tools-test bench bench-sync bench-push bench-fleet bench-db bench-contacts bench-users bench-calendar attack lint fmt clean

help:
	@echo "make run    build and serve on http://127.0.0.1:3000 (SQLite under data/)"
	@echo "make test   run every test: cargo tests and the Playwright suite"
	@echo "make release  optimised build into target/release + target/site"
	@echo "make size   what a browser downloads per route (brotli), against the budgets"
	@echo "make smoke  the release build in Chromium: hydration, sign-in, a lazy route"
	@echo "make attack  replay the attacks of issue 10 on a release server (server/bench/attack.py)"
	@echo "make bench-contacts / bench-calendar  the contacts and calendar pages and imports, with figures"
	@echo "make lint   cargo fmt --check and clippy"

## The first command: installs, builds, serves.
run: tools build
	./target/debug/server serve

# `--split`: every page but the login page is a lazy route, a WebAssembly chunk of its own.
build: tools-rust
	cargo leptos build --split

release: tools
	cargo leptos build --release --split

## What a browser downloads per route, brotli-compressed (release build; budgets of issue 11).
size: release
	node end2end/size.mjs

## The release build in a real browser: hydrates, signs in, loads a lazy route, no error.
smoke: release tools-browser
	cd end2end && node release-smoke.mjs

## The second command: every test.
test: tools tools-browser tools-test test-rust test-e2e

# The workspace's tests on SQLite, then again with every test server on a throwaway
# PostgreSQL cluster (same build, no recompilation) (initdb in a temporary folder, stopped afterwards: tests/with-postgres.sh).
test-rust: tools-rust tools-test
	cargo test --workspace
	server/tests/with-postgres.sh cargo test --workspace --tests

test-e2e: build tools-node tools-browser
	cd end2end && npx playwright test

tools: tools-rust tools-node

tools-rust:
	@command -v cargo >/dev/null || { echo "Rust is required: https://rustup.rs"; exit 1; }
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@if ! wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)"; then \
	  echo "Installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (a few minutes, once)"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; fi
	@if ! cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)"; then \
	  echo "Installing cargo-leptos $(CARGO_LEPTOS_VERSION) (about 18 minutes on 2 cores, once)"; \
	  cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked --features no_downloads --force; fi

tools-node:
	@command -v npm >/dev/null || { echo "Node.js and npm are required (apt-get install nodejs npm)"; exit 1; }
	@if [ ! -d end2end/node_modules ] || [ end2end/package-lock.json -nt end2end/node_modules/.installed ]; then \
	  cd end2end && npm ci --no-audit --no-fund && touch node_modules/.installed; fi

tools-browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; fi

## What the tests use besides Rust: wbxml2xml (Debian's libwbxml2-utils) checks the WBXML code
## pages, and pyactivesync (PyPI, in a virtualenv under .tmp/) is a real EAS 16.1 client;
## Debian's postgresql gives the throwaway cluster the suite runs on a second time.
EAS_VENV := $(CURDIR)/.tmp/eas-venv
PYACTIVESYNC_VERSION := 0.17.0
tools-test:
	@missing=""; command -v wbxml2xml >/dev/null || missing="libwbxml2-utils"; \
	  /usr/bin/python3 -c "import venv, ensurepip" 2>/dev/null || missing="$$missing python3-venv"; \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	  if [ -n "$$missing" ]; then echo "Installing Debian's $$missing"; \
	    if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	    else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; fi; fi
	@if ! $(EAS_VENV)/bin/python -c "import pyactivesync" 2>/dev/null; then \
	  echo "Installing pyactivesync $(PYACTIVESYNC_VERSION) into $(EAS_VENV)"; \
	  /usr/bin/python3 -m venv $(EAS_VENV) && \
	  $(EAS_VENV)/bin/pip install -q --disable-pip-version-check pyactivesync==$(PYACTIVESYNC_VERSION); fi

## The door next to a bare axum handler (release, wrk): authenticated OPTIONS, then syncing
## contacts (first syncs of 1,000 and 5,000, the empty incremental Sync, a two-way round),
## 10,000 phones waiting in Ping on one instance, then 100,000 on six instances on one
## PostgreSQL (memory, console change → answers, a new phone meanwhile; about 45 minutes).
bench: tools-test
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq wrk; else sudo apt-get install -y -qq wrk; fi; }
	server/bench/door-options.sh
	server/bench/door-sync.sh sync
	server/bench/door-sync.sh push 10000 50
	server/bench/push-fleet.sh 100000 6

## Only the sync figures, or only push with N phones: make bench-sync / make bench-push N=1000
bench-sync: tools-test
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq wrk; else sudo apt-get install -y -qq wrk; fi; }
	server/bench/door-sync.sh sync
bench-push: tools-test
	server/bench/door-sync.sh push $(or $(N),10000) 50
## N phones (default 100,000) on INSTANCES instances (default 6) on one throwaway PostgreSQL.
bench-fleet: tools-test
	server/bench/push-fleet.sh $(or $(N),100000) $(or $(INSTANCES),6)

## The contacts pages with 10,000 contacts (release, loopback): adding, first page, search, paging.
bench-contacts:
	server/bench/pim.sh contacts

## The admin's user list with 10,000 users: a page, a search, the sorts (figures only).
bench-users:
	server/bench/users.sh

## The calendar with 1,000 events (200 of them recurring): the month view and the agenda.
bench-calendar:
	server/bench/pim.sh events

## The door, /preferences and a login on SQLite and on a throwaway PostgreSQL, side by side.
bench-db: tools-test
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq wrk; else sudo apt-get install -y -qq wrk; fi; }
	server/bench/databases.sh
	server/tests/with-postgres.sh server/bench/databases.sh postgres

## The probes of issue 10 replayed against a release server on loopback: what was tried, what came back.
attack: release
	python3 server/bench/attack.py

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p app --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

fmt:
	cargo fmt --all

clean:
	cargo clean
	rm -rf end2end/node_modules end2end/test-results end2end/.tmp
