# A thin wrapper around CMake, in the way neovim's is: `make test` is all a newcomer needs.

BUILD_DIR ?= build
ASAN_DIR ?= build-asan
FUZZ_DIR ?= build-fuzz
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 30
FUZZ_TARGETS = emulator_fuzz screen_diff_fuzz datagram_fuzz sync_fuzz bootstrap_fuzz host_bootstrap_fuzz join_hello_fuzz msgpack_fuzz tmate_daemon_fuzz http_request_fuzz web_socket_fuzz make_diff_seeds make_sync_seeds
CMAKE_FLAGS ?=

.PHONY: all deps build run test asan fuzz bench clean

all: build

deps:
	@.ci/deps

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Runs your shell as a tandem session in this terminal.
# The quick start: an embedded relay, whatever ~/.config/tandem/config names.
run: build
	$(BUILD_DIR)/src/tandem --local

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

asan: deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DTANDEM_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS)

# libFuzzer needs clang; each harness runs for FUZZ_SECONDS from its seed corpus.
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTANDEM_FUZZ=ON -DTANDEM_TESTS=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(FUZZ_TARGETS)
	fuzz/run $(FUZZ_DIR)/fuzz $(FUZZ_SECONDS)

# QUICK=1: a reduced suite, under two minutes.
bench: deps
	cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DTANDEM_TESTS=OFF
	cmake --build build-release -j $(JOBS) --target tandem-bench tandem
	QUICK=$(QUICK) bench/run build-release/bench/tandem-bench build-release/src/tandem

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR) build-release
