# ToyPy: build, test, demo, bench, install.
#   make build      Native AOT toypy -> bin/toypy, profile-guided (PGO=0: without the profile)
#   make build-jit  framework-dependent JIT build -> bin/toypy-jit (wrapper script)
#   make test       build, run the test suite against bin/toypy, print "N passed, M failed"
#   make demo       listing 1.5, then sequential vs threads for fib and HTTP (scripts/demo.sh)
#   make bench      CPython comparison, then the BenchmarkDotNet suite
#   make install    copy bin/toypy to $(DESTDIR)$(PREFIX)/bin (PREFIX ?= /usr/local)
#   make clean      remove bin/ and out/

SHELL := /bin/bash
DOTNET ?= dotnet
PYTHON ?= python3
PREFIX ?= /usr/local
PGO ?= 1
RID ?= linux-x64

CLI := src/ToyPy.Cli
TESTS := tests/ToyPy.Tests

.PHONY: all build build-jit test demo bench install clean

all: build

# The profile-guided build: a JIT build runs the training scripts with
# instrumentation on, and the AOT compiler gets the counts (src/ToyPy.Pgo).
build:
ifeq ($(PGO),1)
	$(MAKE) build-jit
	@# The profile only changes code layout: without one the build still works, slower.
	src/ToyPy.Pgo/train.sh $(DOTNET) out/pgo || { rm -f out/pgo/toypy.mibc; echo "make build: training failed, building without a profile" >&2; }
	$(DOTNET) publish $(CLI) -c Release -r $(RID) -p:PublishAot=true -p:ToyPyMibc=$(CURDIR)/out/pgo/toypy.mibc -o out/aot
else
	$(DOTNET) publish $(CLI) -c Release -r $(RID) -p:PublishAot=true -o out/aot
endif
	@mkdir -p bin
	cp out/aot/ToyPy.Cli bin/toypy
	bin/toypy --freeze-library bin/toypy-lib.frozen
	@echo "built bin/toypy (Native AOT)"

build-jit:
	$(DOTNET) publish $(CLI) -c Release -o out/jit
	@mkdir -p bin
	@printf '%s\n' '#!/bin/sh' \
	  '# ToyPy, framework-dependent JIT build (make build-jit)' \
	  'here=$$(cd "$$(dirname "$$0")" && pwd)' \
	  'exec dotnet "$$here/../out/jit/ToyPy.Cli.dll" "$$@"' > bin/toypy-jit
	@chmod +x bin/toypy-jit
	@echo "built bin/toypy-jit (JIT, runs out/jit/ToyPy.Cli.dll)"

# The last line printed is always "N passed, M failed" (from the dotnet test
# summary); the target fails when a test failed or when no summary was produced
# (a build error counts as one failure).
test: build
	@log=$$(mktemp); \
	TOYPY="$(CURDIR)/bin/toypy" $(DOTNET) test $(TESTS) -c Release 2>&1 | tee "$$log"; \
	rc=$${PIPESTATUS[0]}; \
	summary=$$(grep -E '(Passed|Failed)! +- +Failed: *[0-9]+, +Passed: *[0-9]+' "$$log"); \
	rm -f "$$log"; \
	if [ -z "$$summary" ]; then \
	  echo "make test: dotnet test printed no summary (exit status $$rc)"; \
	  echo "0 passed, 1 failed"; exit 1; \
	fi; \
	failed=$$(sed -nE 's/.*Failed: *([0-9]+),.*/\1/p' <<<"$$summary" | awk '{s+=$$1} END {print s+0}'); \
	passed=$$(sed -nE 's/.*Passed: *([0-9]+),.*/\1/p' <<<"$$summary" | awk '{s+=$$1} END {print s+0}'); \
	if [ "$$rc" -ne 0 ] && [ "$$failed" -eq 0 ]; then failed=1; fi; \
	echo "$$passed passed, $$failed failed"; \
	[ "$$failed" -eq 0 ]

demo: build
	scripts/demo.sh

bench: build
	$(PYTHON) scripts/bench/compare.py
	$(DOTNET) run -c Release --project src/ToyPy.Benchmarks -- --filter '*'

install:
	@test -x bin/toypy || { echo "bin/toypy not found: run 'make build' first" >&2; exit 1; }
	install -d "$(DESTDIR)$(PREFIX)/bin"
	install -m 755 bin/toypy "$(DESTDIR)$(PREFIX)/bin/toypy"
	install -m 644 bin/toypy-lib.frozen "$(DESTDIR)$(PREFIX)/bin/toypy-lib.frozen"

clean:
	rm -rf bin out
