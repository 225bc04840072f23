# SPDX-License-Identifier: MIT
# ustack build. Objects go under build/; `make help` lists the targets.
CC      ?= gcc
# CFLAGS is the user's (optimisation, sanitizers); the flags the code needs are kept apart so
# `make CFLAGS=...` cannot drop them.
CFLAGS  ?= -O2 -g
# DEBUG=1 turns on the checks meant for development (objects under build/debug unless BUILD
# says otherwise): USTACK_DEBUG_LOCK, the assertions that the stack lock is held where it
# must be (net/loop.h). `make san` turns it on too. Off, they compile to nothing.
DEBUG   ?= 0
ifeq ($(DEBUG),1)
DEBUG_CFLAGS = -DUSTACK_DEBUG_LOCK
BUILD   ?= build/debug
endif
ALL_CFLAGS = $(CFLAGS) $(DEBUG_CFLAGS) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -Iinclude $(shell pkg-config --cflags libnl-3.0 libnl-route-3.0 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs libnl-route-3.0 libnl-3.0 2>/dev/null) -lpcap -lpthread -lm
BUILD   ?= build

LIB_DIRS := net driver ether arp ip ip6 nd udp tcp dhcp dns lib
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
APP_SRCS := $(wildcard apps/*.c)
UNIT_SRCS := $(wildcard test/unit/test_*.c)
UNIT_HELPERS := $(filter-out $(UNIT_SRCS),$(wildcard test/unit/*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
APP_OBJS := $(APP_SRCS:%.c=$(BUILD)/%.o)
# preload/ (docs/preload.md): the protocol and the stack host go into the ustack program;
# preload.c and the protocol make the LD_PRELOAD library, on their own (no libustack).
PRELOAD_OBJS := $(BUILD)/preload/proto.o $(BUILD)/preload/host.o $(BUILD)/preload/host_ctl.o
PRELOAD_SO := $(BUILD)/libustack-preload.so
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(BUILD)/test/%)
UNIT_HELPER_OBJS := $(UNIT_HELPERS:%.c=$(BUILD)/%.o)

.PHONY: all deps test unit integration san demo bench bench-goals clean help fuzz interop examples \
	vm-image vm-test lab

all: $(BUILD)/libustack.a $(BUILD)/ustack $(PRELOAD_SO)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libustack.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/ustack: $(APP_OBJS) $(PRELOAD_OBJS) $(BUILD)/libustack.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(APP_OBJS) $(PRELOAD_OBJS) $(BUILD)/libustack.a $(LDLIBS)

# The LD_PRELOAD library exports only the calls it interposes (EXPORT in preload.c). It
# is built without the sanitizers of CFLAGS (make san): their runtime would have to be
# the first library of every program it is preloaded into.
PRELOAD_CFLAGS = $(filter-out -fsanitize%,$(ALL_CFLAGS))
# It starts the ustack program beside it, else $(BINDIR)/ustack (preload/preload_start.c).
$(PRELOAD_SO): preload/preload.c preload/preload_io.c preload/preload_names.c preload/proto.c \
		preload/preload_start.c preload/proto.h \
		preload/preload_int.h lib/ctl.h Makefile
	@mkdir -p $(dir $@)
	$(CC) $(PRELOAD_CFLAGS) $(LDFLAGS) -fPIC -fvisibility=hidden -shared -Wl,--no-undefined \
		-DUSTACK_BIN_PATH='"$(BINDIR)/ustack"' \
		-o $@ preload/preload.c preload/preload_io.c preload/preload_names.c preload/proto.c \
		preload/preload_start.c -ldl -lpthread

# Keep the helper objects: as intermediates make would delete them and relink every test.
.SECONDARY: $(UNIT_HELPER_OBJS)

$(BUILD)/test/%: test/unit/%.c $(UNIT_HELPER_OBJS) $(PRELOAD_OBJS) $(BUILD)/libustack.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(UNIT_HELPER_OBJS) $(PRELOAD_OBJS) $(BUILD)/libustack.a $(LDLIBS) -lcmocka

# examples/: programs written against the public header alone. They are compiled with
# -Iinclude and not -I., so a private header slipping into one is a build error.
EXAMPLE_BINS := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))

examples: $(EXAMPLE_BINS)

$(BUILD)/examples/%: examples/%.c include/ustack.h $(BUILD)/libustack.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -Iinclude -o $@ $< $(BUILD)/libustack.a $(LDLIBS)

# Interop peers (test/interop/, docs/interop.md): lwIP and libslirp on the other end of a
# TAP from ustack, for t_interop_*.sh. Each is built only when its Debian package is
# installed (liblwip-dev, libslirp-dev: `make deps`); without it its test says SKIP.
# libslirp is linked directly: its pkg-config file wants glib's headers, which the peer
# does not use.
LWIP_HDR  := $(wildcard /usr/include/lwip/lwip/tcpip.h)
SLIRP_HDR := $(wildcard /usr/include/slirp/libslirp.h)
INTEROP_BINS := $(if $(LWIP_HDR),$(BUILD)/interop/lwip_peer) $(if $(SLIRP_HDR),$(BUILD)/interop/slirp_peer)
INTEROP_DEPS := test/interop/peer.c test/interop/peer.h

interop: $(INTEROP_BINS)
	@$(if $(LWIP_HDR),,echo "interop: liblwip-dev not installed, lwip_peer not built (make deps)";) true
	@$(if $(SLIRP_HDR),,echo "interop: libslirp-dev not installed, slirp_peer not built (make deps)";) true

$(BUILD)/interop/lwip_peer: test/interop/lwip_peer.c $(INTEROP_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags lwip 2>/dev/null || echo -I/usr/include/lwip) \
		-o $@ test/interop/lwip_peer.c test/interop/peer.c -llwip -lpthread

$(BUILD)/interop/slirp_peer: test/interop/slirp_peer.c $(INTEROP_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ test/interop/slirp_peer.c test/interop/peer.c -lslirp

# Install what the build and the tests need (Debian 12), only what is missing.
deps:
	@sh test/deps.sh

unit: $(UNIT_BINS)
	@sh test/run-unit.sh $(UNIT_BINS)

integration: all $(INTEROP_BINS) $(EXAMPLE_BINS)
	@sh test/integration/run.sh $(BUILD)/ustack

# Everything: unit tests then integration tests, one summary line at the end.
test: all $(UNIT_BINS) $(INTEROP_BINS) $(EXAMPLE_BINS)
	@sh test/run-all.sh $(BUILD)

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer.
san:
	$(MAKE) BUILD=build/san DEBUG=1 CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

demo: all
	@bash test/demo.sh $(BUILD)/ustack

# A real VM on the bridge (test/vm/, docs/lab.md): QEMU boots Debian's kernel package and a
# busybox initramfs, cached under /var/cache/ustack-vm. vm-test builds the image first (a
# first build downloads two packages), so the test's own time limit counts only the test;
# if that build fails the test says why. lab leaves you at the guest's console.
vm-image:
	@sh test/vm/build-image.sh

vm-test: all
	@if [ "$$(id -u)" -eq 0 ]; then sh test/vm/build-image.sh >/dev/null || true; fi
	@TEST_DIR=test/vm TEST_TIMEOUT=$${TEST_TIMEOUT:-300} sh test/integration/run.sh $(BUILD)/ustack

lab: all
	@bash test/vm/lab.sh $(BUILD)/ustack

# The lwIP peer (when liblwip-dev is installed) gives run.sh, tcp.sh and conn.sh their
# lwIP columns.
bench: all $(BUILD)/bench/tap_reflector $(INTEROP_BINS)
	@bash bench/run.sh $(BUILD)/ustack $(BUILD)/bench/tap_reflector
	@bash bench/tcp.sh $(BUILD)/ustack
	@bash bench/conn.sh $(BUILD)/ustack
	@bash bench/attack.sh $(BUILD)/ustack
	@bash bench/mem.sh $(BUILD)/ustack
	@bash bench/packet_fwd.sh $(BUILD)/ustack
	@bash bench/loss.sh $(BUILD)/ustack
	@bash bench/preload.sh $(BUILD)/ustack
	@bash bench/preload_nginx.sh $(BUILD)/ustack

# Issue 13's goals in one run: run.sh, tcp.sh and conn.sh, then one table of the ratios
# beside their bars.
bench-goals: all $(BUILD)/bench/tap_reflector $(INTEROP_BINS)
	@bash bench/issue13.sh $(BUILD)/ustack $(BUILD)/bench/tap_reflector

# The benchmarks' ceiling: a trivial TAP reflector (no stack library). Its --uring modes
# are built when liburing's header is installed (liburing-dev; optional).
URING_HDR := $(wildcard /usr/include/liburing.h)
$(BUILD)/bench/tap_reflector: bench/tap_reflector.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(if $(URING_HDR),-DHAVE_LIBURING) -o $@ $< $(if $(URING_HDR),-luring)

# libFuzzer (needs clang), three targets built over one instrumented copy of the library:
# fuzz_input (the frame input path, seeded from the Linux captures), fuzz_tcp (a
# connection opened first, then fuzzed segments, timers and socket calls against it, seeded
# from the captures' TCP frames), fuzz_dhcp (DHCP parse/emit and the client, unseeded) and
# fuzz_dns (the DNS response parser, seeded by seed_dns.py). The known crashers in
# test/fuzz/ are replayed, then each target runs FUZZ_TIME seconds (15). Crashing inputs
# land in $(BUILD)/fuzz/ as crash-*.
FUZZ_CFLAGS = -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I. -Iinclude \
	$(shell pkg-config --cflags libnl-3.0 libnl-route-3.0 2>/dev/null) \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_TIME ?= 15

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(BUILD)/fuzz/fuzz_%: test/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(FUZZ_LIB_OBJS) $(LDLIBS)

fuzz: $(BUILD)/fuzz/fuzz_input $(BUILD)/fuzz/fuzz_tcp $(BUILD)/fuzz/fuzz_dhcp $(BUILD)/fuzz/fuzz_dns
	@mkdir -p $(BUILD)/fuzz/corpus $(BUILD)/fuzz/corpus-tcp $(BUILD)/fuzz/corpus-dns
	sh test/fuzz/seed.sh $(BUILD)/fuzz/corpus
	python3 test/fuzz/seed_tcp.py $(BUILD)/fuzz/corpus-tcp
	python3 test/fuzz/seed_dns.py $(BUILD)/fuzz/corpus-dns
	$(BUILD)/fuzz/fuzz_input test/fuzz/crash-*
	$(BUILD)/fuzz/fuzz_input -max_total_time=$(FUZZ_TIME) -artifact_prefix=$(BUILD)/fuzz/ \
		$(BUILD)/fuzz/corpus
	$(BUILD)/fuzz/fuzz_tcp -max_total_time=$(FUZZ_TIME) -artifact_prefix=$(BUILD)/fuzz/ \
		$(BUILD)/fuzz/corpus-tcp
	@mkdir -p $(BUILD)/fuzz/corpus-dhcp
	$(BUILD)/fuzz/fuzz_dhcp -max_total_time=$(FUZZ_TIME) -artifact_prefix=$(BUILD)/fuzz/ \
		$(BUILD)/fuzz/corpus-dhcp
	$(BUILD)/fuzz/fuzz_dns -max_total_time=$(FUZZ_TIME) -artifact_prefix=$(BUILD)/fuzz/ \
		$(BUILD)/fuzz/corpus-dns

clean:
	rm -rf build

help:
	@echo "make            build build/libustack.a and build/ustack"
	@echo "make deps       install missing Debian packages for build and tests"
	@echo "make test       unit + integration tests (needs root)"
	@echo "make san        the tests under ASan+UBSan, with the lock assertions (DEBUG=1)"
	@echo "make DEBUG=1 ... any target with the lock assertions on, in build/debug"
	@echo "make demo       ping/arping/UDP echo against ustack in a namespace"
	@echo "make vm-test    a QEMU guest on a bridge with dnsmasq and ustack (addr=dhcp): ping,\n                chat, http both ways (needs root; test/vm/)"
	@echo "make lab        the same network by hand: ustack serving, you at the guest's console"
	@echo "make vm-image   build (or find cached) the guest: Debian's kernel, a busybox initramfs"
	@echo "make bench      packets per second against ustack and a TAP reflector, TCP\n                throughput, loss recovery, attacks, memory, forwarding and nginx under the\n                preload beside the kernel"
	@echo "make bench-goals  issue 13's goals in one run: flood ping, UDP echo, bulk TCP and\n                CPU per GiB, connections/s, each ratio beside its bar (lwIP, reflector, kernel)"
	@echo "make examples   the programs in examples/ (build/examples/), built from include/ only"
	@echo "make interop    the lwIP and libslirp peers for t_interop_*.sh (build/interop/)"
	@echo "make install    bin, shared and static library, header, ustack.pc, man pages under\n                DESTDIR/PREFIX [/usr/local]; make uninstall removes them"

# ---- Packaging: version, shared library, pkg-config file, install (README "Installing") ----
# The version lives here only: `ustack --version`, the shared library's file name and
# ustack.pc take it from VERSION. SOVERSION changes when the ABI breaks.
VERSION    := 0.1.0
SOVERSION  := 0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# -Werror is for development and CI. Packagers build with `make WERROR=`: a newer compiler's
# new warning must not fail a distribution's build. An empty WERROR appends -Wno-error,
# which cancels the -Werror of ALL_CFLAGS (the later option wins).
WERROR     ?= -Werror
ALL_CFLAGS += $(if $(strip $(WERROR)),,-Wno-error) $(CPPFLAGS)

# Every library object is position-independent, so one object set makes both libustack.a
# and libustack.so (a second, PIC-only set under $(BUILD)/pic saved nothing: with -fPIC the
# clean build of the library took the same 4 s here). -fno-semantic-interposition lets GCC
# inline and call directly within a file as in non-PIC code: the version script below
# makes every internal symbol local, so none can be interposed anyway.
$(LIB_OBJS): ALL_CFLAGS += -fPIC -fno-semantic-interposition
$(BUILD)/apps/cli.o: ALL_CFLAGS += -DUSTACK_VERSION='"$(VERSION)"'
$(BUILD)/apps/cli.o: Makefile
# where `ustack run` finds the preload library when it is not beside the program
$(BUILD)/apps/run.o: ALL_CFLAGS += -DUSTACK_PRELOAD_LIB='"$(LIBDIR)/libustack-preload.so"'
$(BUILD)/apps/run.o: Makefile

SO_REAL := libustack.so.$(VERSION)
SO_NAME := libustack.so.$(SOVERSION)

all: $(BUILD)/libustack.so $(BUILD)/pub/libustack.a $(BUILD)/ustack.pc

# The shared library exports exactly the us_* and ustack_* functions include/ustack.h
# declares (its comments stripped first): the version script is made from the header, so a
# library-internal function, even one named ustack_*, is never part of the ABI, and every
# other global (ip_input, log_level, cksum, ...) is local: a program may define the same
# names without clashing with the stack's. An anonymous version node, so `nm -D` lists
# only these names.
PUBLIC_HDR := $(wildcard include/ustack.h)

$(BUILD)/ustack.map: $(PUBLIC_HDR) Makefile FORCE
	@mkdir -p $(dir $@)
	@names=$$(for h in $(PUBLIC_HDR); do $(CC) -fpreprocessed -dD -E -P -x c $$h; done | \
		grep -oE '\b(us|ustack)_[a-z0-9_]+ *[(]' | sed 's/ *[(]$$//' | sort -u) && \
	{ echo '{'; [ -z "$$names" ] || { echo '	global:'; printf '		%s;\n' $$names; }; \
	  echo '	local:'; echo '		*;'; echo '};'; } >$@.tmp && \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/$(SO_REAL): $(LIB_OBJS) $(BUILD)/ustack.map
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(SO_NAME) \
		-Wl,--version-script=$(BUILD)/ustack.map -Wl,--no-undefined \
		-o $@ $(LIB_OBJS) $(LDLIBS)

# The installed libustack.a hides the internals too: the library's objects linked into one
# (ld -r) whose globals other than the version script's are made local (objcopy), so a
# static link cannot clash either (objcopy fails on an empty list: with no public header,
# nothing stays global). $(BUILD)/libustack.a, with every internal name, stays what the
# program and the unit tests link.
LD      ?= ld
OBJCOPY ?= objcopy

$(BUILD)/pub/libustack.a: $(LIB_OBJS) $(BUILD)/ustack.map
	@mkdir -p $(dir $@)
	$(LD) -r -o $(BUILD)/pub/ustack.o $(LIB_OBJS)
	sed -n 's/^\t\t\([a-z_0-9]*\);$$/\1/p' $(BUILD)/ustack.map >$(BUILD)/pub/public.syms
	if [ -s $(BUILD)/pub/public.syms ]; then \
		$(OBJCOPY) --keep-global-symbols=$(BUILD)/pub/public.syms $(BUILD)/pub/ustack.o; \
	else \
		$(OBJCOPY) -w --localize-symbol='*' $(BUILD)/pub/ustack.o; \
	fi
	@rm -f $@
	$(AR) rcs $@ $(BUILD)/pub/ustack.o

$(BUILD)/libustack.so: $(BUILD)/$(SO_REAL)
	ln -sf $(SO_REAL) $(BUILD)/$(SO_NAME)
	ln -sf $(SO_NAME) $@

# ustack.pc for the PREFIX and LIBDIR given (make install PREFIX=/usr rewrites it).
$(BUILD)/ustack.pc: pkg/ustack.pc.in Makefile FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|@PREFIX@|$(PREFIX)|' \
		-e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
		-e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
		-e 's|@VERSION@|$(VERSION)|' pkg/ustack.pc.in >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

.PHONY: install uninstall FORCE
FORCE:

# Nothing is stripped or compressed: a package's helpers (dh_strip, dh_compress) do that.
# Without DESTDIR the library lands on this system, so ldconfig updates the loader's cache.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(BUILD)/ustack $(DESTDIR)$(BINDIR)/ustack
	install -m 644 $(BUILD)/$(SO_REAL) $(DESTDIR)$(LIBDIR)/$(SO_REAL)
	ln -sf $(SO_REAL) $(DESTDIR)$(LIBDIR)/$(SO_NAME)
	ln -sf $(SO_NAME) $(DESTDIR)$(LIBDIR)/libustack.so
	install -m 644 $(BUILD)/pub/libustack.a $(DESTDIR)$(LIBDIR)/libustack.a
	install -m 644 $(PRELOAD_SO) $(DESTDIR)$(LIBDIR)/libustack-preload.so
	install -m 644 include/ustack.h $(DESTDIR)$(INCLUDEDIR)/ustack.h
	install -m 644 $(BUILD)/ustack.pc $(DESTDIR)$(PKGCONFIGDIR)/ustack.pc
	install -m 644 man/ustack.8 $(DESTDIR)$(MANDIR)/man8/ustack.8
	$(if $(wildcard man/ustack.3),install -d $(DESTDIR)$(MANDIR)/man3)
	$(if $(wildcard man/ustack.3),install -m 644 man/ustack.3 $(DESTDIR)$(MANDIR)/man3/ustack.3)
	$(if $(DESTDIR),,-ldconfig)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ustack $(DESTDIR)$(LIBDIR)/$(SO_REAL) \
		$(DESTDIR)$(LIBDIR)/$(SO_NAME) $(DESTDIR)$(LIBDIR)/libustack.so \
		$(DESTDIR)$(LIBDIR)/libustack.a $(DESTDIR)$(LIBDIR)/libustack-preload.so \
		$(DESTDIR)$(INCLUDEDIR)/ustack.h \
		$(DESTDIR)$(PKGCONFIGDIR)/ustack.pc $(DESTDIR)$(MANDIR)/man8/ustack.8 \
		$(DESTDIR)$(MANDIR)/man3/ustack.3
	$(if $(DESTDIR),,-ldconfig)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
