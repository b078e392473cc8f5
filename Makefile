# The two commands of the README: `make demo` and `make test`. Both install what is missing
# (Debian packages, through scripts/setup) and build first.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
FUZZ_BUILD ?= build-fuzz
FUZZ_CXX ?= clang++-14
FUZZ_SECONDS ?= 20

PREFIX ?= /usr/local
DESTDIR ?=
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system

.PHONY: install setup build test test-asan demo bench fuzz fuzz-replay fuzz-build format clean

setup:
	@bash scripts/setup

build: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: setup
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFERRY_SANITIZE=address,undefined $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900 -LE no-sanitizer

demo: build
	@bash scripts/demo $(BUILD)/ferry

bench: build
	@bash bench/run_all.sh $(BUILD)/ferry

# libFuzzer targets (fuzz/), built with clang + ASan + UBSan in $(FUZZ_BUILD). `make fuzz` runs
# each for FUZZ_SECONDS (FUZZ_SECONDS=600 for a real run; FUZZ_TARGETS="url manifest" for
# some); `make fuzz-replay` runs each once over its committed corpus, as CI does.
fuzz-build:
	@bash scripts/setup fuzz
	@CC=clang-14 CXX=$(FUZZ_CXX) cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) -DFERRY_BUILD_FUZZERS=ON -DFERRY_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target ferry_fuzzers

fuzz: fuzz-build
	@bash fuzz/run.sh fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-replay: fuzz-build
	@bash fuzz/run.sh replay $(FUZZ_BUILD)

format:
	@find include src tests bench fuzz -name '*.h' -o -name '*.cc' | xargs clang-format -i

# The binary and the systemd units (contrib/); the units' ExecStart names $(PREFIX)/bin/ferry.
install:
	@test -x $(BUILD)/ferry || { echo "make install: $(BUILD)/ferry is missing; run make build first" >&2; exit 2; }
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSTEMD_UNIT_DIR)
	install -m 0755 $(BUILD)/ferry $(DESTDIR)$(PREFIX)/bin/ferry
	for unit in ferry-push-worker.service ferry-serve.service; do \
	  sed 's|/usr/local/bin/ferry|$(PREFIX)/bin/ferry|' contrib/$$unit > $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$unit; \
	  chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$unit; \
	done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
