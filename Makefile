# The two commands in the README: `make demo` and `make test`. Both install what is
# missing (Debian packages), configure and build through CMake presets.
PRESET ?= dev
BUILD := build/$(PRESET)
JOBS ?= $(shell nproc)
DEMO_SCENARIO ?= scenarios/kirorank.yaml
DEMO_OUT ?= out/demo

.PHONY: all deps configure build demo test bench fuzz jupyter clean

all: build

deps:
	@./scripts/install-deps

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@./scripts/demo "$(BUILD)" "$(DEMO_SCENARIO)" "$(DEMO_OUT)"

test: build
	@ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure

bench: deps
	@cmake --preset release >/dev/null && cmake --build build/release -j $(JOBS)
	@./bench/run

# libFuzzer targets (clang) run for FUZZ_SECONDS each; see docs/reliability.md.
FUZZ_SECONDS ?= 60
fuzz: deps
	@./scripts/fuzz $(FUZZ_SECONDS)

# Makes `import goodhart` work in the system Python and its Jupyter kernel (a .pth file in
# the user's site-packages pointing at python/, where the build puts the extension).
jupyter: build
	@site=$$(/usr/bin/python3 -m site --user-site) && mkdir -p "$$site" && \
	  echo "$(CURDIR)/python" > "$$site/goodhart.pth" && \
	  echo "import goodhart now works in /usr/bin/python3 and its notebook kernel ($$site/goodhart.pth)"

clean:
	rm -rf build out
