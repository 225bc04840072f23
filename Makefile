# ustack build. Objects go under build/; `make help` lists the targets.
CC      ?= gcc
# CFLAGS is the user's (optimisation, sanitizers); the flags the code needs are kept apart so
# `make CFLAGS=...` cannot drop them.
CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. $(shell pkg-config --cflags libnl-3.0 libnl-route-3.0 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs libnl-route-3.0 libnl-3.0 2>/dev/null) -lpcap -lpthread -lm
BUILD   ?= build

LIB_DIRS := net driver ether arp ip udp tcp
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
APP_SRCS := $(wildcard apps/*.c)
UNIT_SRCS := $(wildcard test/unit/test_*.c)
UNIT_HELPERS := $(filter-out $(UNIT_SRCS),$(wildcard test/unit/*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
APP_OBJS := $(APP_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(BUILD)/test/%)
UNIT_HELPER_OBJS := $(UNIT_HELPERS:%.c=$(BUILD)/%.o)

.PHONY: all deps test unit integration san demo bench clean help fuzz

all: $(BUILD)/libustack.a $(BUILD)/ustack

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libustack.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/ustack: $(APP_OBJS) $(BUILD)/libustack.a
	$(CC) $(ALL_CFLAGS) -o $@ $(APP_OBJS) $(BUILD)/libustack.a $(LDLIBS)

# Keep the helper objects: as intermediates make would delete them and relink every test.
.SECONDARY: $(UNIT_HELPER_OBJS)

$(BUILD)/test/%: test/unit/%.c $(UNIT_HELPER_OBJS) $(BUILD)/libustack.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(UNIT_HELPER_OBJS) $(BUILD)/libustack.a $(LDLIBS) -lcmocka

# Install what the build and the tests need (Debian 12), only what is missing.
deps:
	@sh test/deps.sh

unit: $(UNIT_BINS)
	@sh test/run-unit.sh $(UNIT_BINS)

integration: all
	@sh test/integration/run.sh $(BUILD)/ustack

# Everything: unit tests then integration tests, one summary line at the end.
test: all $(UNIT_BINS)
	@sh test/run-all.sh $(BUILD)

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer.
san:
	$(MAKE) BUILD=build/san CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

demo: all
	@bash test/demo.sh $(BUILD)/ustack

bench: all $(BUILD)/bench/tap_reflector
	@bash bench/run.sh $(BUILD)/ustack $(BUILD)/bench/tap_reflector
	@bash bench/tcp.sh $(BUILD)/ustack
	@bash bench/loss.sh $(BUILD)/ustack

# The benchmarks' ceiling: a trivial TAP reflector (no stack library).
$(BUILD)/bench/tap_reflector: bench/tap_reflector.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<

# libFuzzer over the frame input path (needs clang): builds $(BUILD)/fuzz/fuzz_input with the
# whole library instrumented, seeds a corpus from the Linux captures and runs for
# FUZZ_TIME seconds (30). Crashing inputs land in $(BUILD)/fuzz/ as crash-*.
fuzz:
	@mkdir -p $(BUILD)/fuzz/corpus
	clang -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I. $(shell pkg-config --cflags libnl-3.0 libnl-route-3.0 2>/dev/null) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
		-o $(BUILD)/fuzz/fuzz_input test/fuzz/fuzz_input.c $(LIB_SRCS) $(LDLIBS)
	sh test/fuzz/seed.sh $(BUILD)/fuzz/corpus
	$(BUILD)/fuzz/fuzz_input test/fuzz/crash-*
	$(BUILD)/fuzz/fuzz_input -max_total_time=$${FUZZ_TIME:-30} -artifact_prefix=$(BUILD)/fuzz/ \
		$(BUILD)/fuzz/corpus

clean:
	rm -rf build

help:
	@echo "make            build build/libustack.a and build/ustack"
	@echo "make deps       install missing Debian packages for build and tests"
	@echo "make test       unit + integration tests (needs root)"
	@echo "make san        the tests under ASan+UBSan"
	@echo "make demo       ping/arping/UDP echo against ustack in a namespace"
	@echo "make bench      packets per second against ustack and a TAP reflector, TCP"
	@echo "                throughput and loss recovery (bench/loss.sh) beside the kernel"

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
