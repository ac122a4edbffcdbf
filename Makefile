# Chroom ledger node. `make` builds, `make test` runs every test, `make run` starts a
# devnet, `make bench` measures. See README.md.

BUILD ?= build
SAN ?=
CC ?= cc
PKGS := libsecp256k1 libsodium lmdb libmicrohttpd jansson libcurl gnutls
DEPS_DEB := libsecp256k1-dev libsodium-dev liblmdb-dev libnng-dev libmicrohttpd-dev \
            libjansson-dev libcurl4-gnutls-dev libgnutls28-dev pkg-config python3-yaml python3-jsonschema \
            chromium chromium-driver python3-selenium \
            openssl clang-format curl
# The command `make deps` runs; the fresh-machine test (tests/fresh_make.sh) replaces it.
# After the packages, libmicrohttpd 1.0 or later: built into .deps/ from Debian 13's source
# when the system's is older (Debian 12's 0.9.75; tests/deps_mhd.sh says why).
DEPS_CMD ?= sh tests/deps.sh $(DEPS_DEB) && sh tests/deps_mhd.sh
# pkg-config finds .deps/'s libmicrohttpd before the system's (given in $(shell ...) too,
# which make 4.3 runs without the exported variables).
export PKG_CONFIG_PATH := $(CURDIR)/.deps/lib/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH))
PKG_CONFIG := PKG_CONFIG_PATH='$(PKG_CONFIG_PATH)' pkg-config

WARN := -Wall -Wextra -Werror -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wvla -Wformat=2 -Wimplicit-fallthrough -Wundef -Wcast-qual -Wpointer-arith
CFLAGS ?= -O2 -g
# pkg-config runs once, when make parses this file: on a fresh machine that is before `deps`
# installs the packages, so the targets that install them (run, testnet, bench, test) build
# in a new make that parses this file again (a sub-make, or tests/run.sh's make).
ALL_CFLAGS := -std=c11 $(CFLAGS) $(WARN) -I. -D_GNU_SOURCE -MMD -MP \
              $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDLIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lnng -lpthread
ifneq ($(SAN),)
ALL_CFLAGS += -fsanitize=$(SAN) -fno-sanitize-recover=all -fno-omit-frame-pointer -DCHR_DEBUG
LDFLAGS += -fsanitize=$(SAN)
endif

MODULES := common credit ledger consensus rpc genesis node wallet media
LIB_SRC := $(filter-out %/main.c,$(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
# openapi.yaml embedded as C bytes (rpc/embed.sh), so the node serves the spec it was
# built with at GET /api/v1/openapi.yaml.
OPENAPI_C := $(BUILD)/gen/openapi_yaml.c
LIB_OBJ += $(BUILD)/obj/gen/openapi_yaml.o
# The dashboard's static files (dashboard/) embedded the same way (rpc/embed_dash.sh), served
# at /dashboard/.
DASH_C := $(BUILD)/gen/dashboard_files.c
LIB_OBJ += $(BUILD)/obj/gen/dashboard_files.o
LIB := $(BUILD)/libchroom.a

BINS := $(if $(wildcard node/main.c),$(BUILD)/chroomd) \
        $(if $(wildcard genesis/main.c),$(BUILD)/chroom-genesis) \
        $(if $(wildcard wallet/main.c),$(BUILD)/chroom-wallet) \
        $(if $(wildcard media/main.c),$(BUILD)/chroom-media)
UNIT_MODS := $(notdir $(patsubst %/,%,$(wildcard tests/unit/*/)))
UNIT_BINS := $(UNIT_MODS:%=$(BUILD)/tests/unit-%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC))
FUZZ_REPLAY := $(FUZZ_NAMES:%=$(BUILD)/tests/replay-%)
SIM_BIN := $(if $(wildcard tests/sim/sim.c),$(BUILD)/tests/sim)
TOOL_BINS := $(if $(wildcard tests/tools/double_sign.c),$(BUILD)/tests/double-sign)
BENCH_BINS := $(if $(wildcard tests/bench/loadgen.c),$(BUILD)/tests/loadgen)
BENCH_BINS += $(if $(wildcard tests/bench/httpbench.c),$(BUILD)/tests/httpbench $(BUILD)/tests/baseline_server)
BENCH_BINS += $(if $(wildcard tests/bench/p2pbench.c),$(BUILD)/tests/p2pbench)
BENCH_BINS += $(if $(wildcard tests/bench/statebuild.c),$(BUILD)/tests/statebuild)
BENCH_BINS += $(if $(wildcard tests/bench/dbstat.c),$(BUILD)/tests/dbstat)
BENCH_BINS += $(if $(wildcard tests/bench/rewardbench.c),$(BUILD)/tests/rewardbench)
BENCH_BINS += $(if $(wildcard tests/bench/credit_bench.c),$(BUILD)/tests/credit_bench)
BENCH_BINS += $(if $(wildcard tests/bench/settlebench.c),$(BUILD)/tests/settlebench)
BENCH_BINS += $(if $(wildcard tests/bench/hbbench.c),$(BUILD)/tests/hbbench)
BENCH_BINS += $(if $(wildcard tests/bench/allocbench.c),$(BUILD)/tests/allocbench)

.PHONY: all deps test unit fuzz run bench bench-state bench-staking clean check-core format format-check testbins lint-api \
        sim econ-sim testnet testnet-stop
all: $(BINS)

testbins: $(BINS) $(UNIT_BINS) $(FUZZ_REPLAY) $(BENCH_BINS) $(SIM_BIN) $(TOOL_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OPENAPI_C): rpc/embed.sh $(wildcard openapi.yaml)
	@mkdir -p $(dir $@)
	sh rpc/embed.sh openapi.yaml $@
$(BUILD)/obj/gen/openapi_yaml.o: $(OPENAPI_C)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(DASH_C): rpc/embed_dash.sh $(wildcard dashboard/*)
	@mkdir -p $(dir $@)
	sh rpc/embed_dash.sh dashboard $@
$(BUILD)/obj/gen/dashboard_files.o: $(DASH_C)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/chroomd: $(BUILD)/obj/node/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/chroom-genesis: $(BUILD)/obj/genesis/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/chroom-wallet: $(BUILD)/obj/wallet/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/chroom-media: $(BUILD)/obj/media/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

define UNIT_RULE
$(BUILD)/tests/unit-$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/unit/$(1)/*.c)) \
                          $(BUILD)/obj/tests/unit/test.o $(LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach m,$(UNIT_MODS),$(eval $(call UNIT_RULE,$(m))))

$(BUILD)/tests/replay-%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/replay.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The consensus simulator (tests/sim): many nodes' cores over a seeded virtual network.
$(BUILD)/tests/sim: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/sim/*.c)) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A byzantine validator for the functional tests: gossips evidence of its own double signing.
$(BUILD)/tests/double-sign: $(BUILD)/obj/tests/tools/double_sign.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/loadgen: $(BUILD)/obj/tests/bench/loadgen.o $(BUILD)/obj/tests/bench/args.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The API speed benchmark (tests/bench/http.sh): the HTTP load generator, and the minimal
# libmicrohttpd server it measures chroomd against.
$(BUILD)/tests/httpbench: $(BUILD)/obj/tests/bench/httpbench.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/baseline_server: $(BUILD)/obj/tests/bench/baseline_server.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The state trie's benchmark: build 1,000,000 keys, then update 10,000 and take the root.
$(BUILD)/tests/bench_smt: $(BUILD)/obj/tests/bench/bench_smt.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The state at scale (tests/bench/state.sh): builds 1,000,000s of accounts in a data
# directory, block by block, and measures state proofs over them.
$(BUILD)/tests/statebuild: $(BUILD)/obj/tests/bench/statebuild.o $(BUILD)/obj/tests/bench/args.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Where an LMDB environment's bytes go, per database (tests/bench/state.sh, BENCH_STATE_DBSTAT).
$(BUILD)/tests/dbstat: $(BUILD)/obj/tests/bench/dbstat.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The rewards' CPU (tests/bench/rewardbench.c): a block's reward step with 100 validators,
# a withdrawal with 1 and with 100,000 delegators.
$(BUILD)/tests/rewardbench: $(BUILD)/obj/tests/bench/rewardbench.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The media-node allocation's CPU (tests/bench/allocbench.c): per meeting, 100 vs 10,000 nodes.
$(BUILD)/tests/allocbench: $(BUILD)/obj/tests/bench/allocbench.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The credit verifier's benchmark: credit verifications/s against raw BIP-340 ones.
$(BUILD)/tests/credit_bench: $(BUILD)/obj/tests/bench/credit_bench.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Claims settled per second: full meeting-settles (17 claims) decoded, verified and applied.
$(BUILD)/tests/settlebench: $(BUILD)/obj/tests/bench/settlebench.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Heartbeats accepted per second on one core (decode, BIP-340, the analytics store).
$(BUILD)/tests/hbbench: $(BUILD)/obj/tests/bench/hbbench.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The peer-to-peer transport's benchmark: small messages/s and MB/s over one connection.
$(BUILD)/tests/p2pbench: $(BUILD)/obj/tests/bench/p2pbench.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Installs the Debian packages the build and the tests need (as root), or names them.
deps:
	@$(DEPS_CMD)

# Every test: unit, unit under ASan+UBSan, fuzz corpora replay under ASan+UBSan, and the
# functional tests with real processes. Ends with "N passed, N failed".
test: deps
	@sh tests/run.sh

unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do $$t || exit 1; done

# Runs every libFuzzer target with clang for FUZZ_SECONDS each, growing tests/fuzz/corpus.
FUZZ_SECONDS ?= 60
fuzz:
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_NAMES)

# Runs the consensus simulator over SEEDS seeds from SEED_FIRST (make test runs a few
# hundred; a long run: make sim SEEDS=100000).
SEEDS ?= 1000
SEED_FIRST ?= 1
sim: $(SIM_BIN)
	$(SIM_BIN) --seeds $(SEEDS) --first $(SEED_FIRST)

# The staking economy simulator (tests/unit/staking/test_econ.c) at length: make test runs
# 300 seeds of 150 blocks; this runs ECON_SEEDS seeds of ECON_BLOCKS blocks.
ECON_SEEDS ?= 2000
ECON_BLOCKS ?= 5000
econ-sim: $(BUILD)/tests/unit-staking
	CHROOM_ECON_SEEDS=$(ECON_SEEDS) CHROOM_ECON_BLOCKS=$(ECON_BLOCKS) $(BUILD)/tests/unit-staking econ_simulator

run: deps
	@$(MAKE) --no-print-directory all
	@sh node/devnet.sh $(BUILD)

# N validators on 127.0.0.1 in ./testnet, all peers of each other (node/testnet.sh).
N ?= 4
testnet: deps
	@$(MAKE) --no-print-directory all
	@sh node/testnet.sh $(BUILD) $(N)
testnet-stop:
	@sh node/testnet.sh $(BUILD) stop

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@sh tests/bench/run.sh $(BUILD)

# Only the staking part of `make bench` (tests/bench/staking.sh): transfers/s with and
# without 100 validators and 10,000 delegations in the state.
bench-staking: deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@sh tests/bench/staking.sh $(BUILD)

# Only the state-at-scale part of `make bench` (tests/bench/state.sh).
bench-state: deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@sh tests/bench/state.sh $(BUILD)

# The deterministic core must not reach for I/O, clocks or randomness (STYLE.md), and each
# folder includes only the modules and libraries docs/ARCHITECTURE.md allows it.
CORE_SRC := $(filter-out common/log.c common/log.h common/config.c common/config.h \
              common/assert.c common/keyfile.c common/keyfile.h common/fsutil.c common/fsutil.h \
              common/lmdb_err.c common/lmdb_err.h common/thread.c common/thread.h, \
              $(wildcard common/*.c common/*.h)) \
            $(wildcard credit/*.c credit/*.h) \
            $(filter-out ledger/store%, $(wildcard ledger/*.c ledger/*.h)) \
            $(filter-out consensus/p2p% consensus/internal/p2p% consensus/wal_file%, \
              $(wildcard consensus/*.c consensus/*.h consensus/internal/*.h))
check-core:
	@! grep -nE '#include *[<"](lmdb\.h|nng/|microhttpd\.h|jansson\.h|time\.h|sys/time\.h|curl/)|\b(clock_gettime|gettimeofday|randombytes[a-z_]*|rand|random)\(' $(CORE_SRC) \
	  || (echo "check-core: I/O, clock or randomness in the deterministic core" && false)
	@sh tests/check_layers.sh
	@echo "check-core: ok"

# Lints openapi.yaml with Redocly's CLI (recommended rules, redocly.yaml). Not part of
# `make test`: npx fetches the CLI from the npm registry into npm's cache, outside the repo.
REDOCLY_CLI ?= npx --yes @redocly/cli@2.77.0
lint-api:
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	  $(REDOCLY_CLI) lint --config redocly.yaml openapi.yaml

# The tracked C files in the house style (.clang-format, for clang-format 14): `format`
# rewrites them; `format-check` names each file that `format` would change, with how many of
# its lines, and fails, or prints "format-check: ok".
CLANG_FORMAT ?= clang-format
FORMAT_SRC = $(shell git ls-files '*.c' '*.h')
format:
	$(CLANG_FORMAT) -i $(FORMAT_SRC)
format-check:
	@command -v $(CLANG_FORMAT) >/dev/null || { echo "format-check: no $(CLANG_FORMAT) (make deps)"; exit 1; }
	@bad=0; for f in $(FORMAT_SRC); do \
	  n=$$($(CLANG_FORMAT) "$$f" | diff "$$f" - | grep -c '^<'); \
	  [ "$$n" -eq 0 ] || { echo "format-check: $$f: $$n lines differ"; bad=$$((bad + 1)); }; \
	done; \
	[ $$bad -eq 0 ] || { echo "format-check: $$bad files differ from .clang-format (make format)"; exit 1; }
	@echo "format-check: ok"

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
