# tests/fuzz/: libFuzzer targets, built with clang by "make fuzz" (see
# tests/fuzz/README).  They compile our sources afresh with the fuzzer and
# sanitizers and link OVS's libraries as they are.
EXTRA_DIST += \
	tests/fuzz/README \
	tests/fuzz/fuzz-nae-ctl.c \
	tests/fuzz/fuzz-nae-rxtx.c \
	tests/fuzz/fuzz-splitio.c \
	tests/fuzz/fuzz-dpi.c \
	tests/fuzz/fuzz-dpi-tcp.c \
	tests/fuzz/fuzz-dpi-util.h \
	tests/fuzz/fuzz-esw.c \
	tests/fuzz/fuzz-esw-virtio.c \
	tests/fuzz/fuzz-vring-peek.c
CLEANFILES += $(FUZZ_TARGETS)

FUZZ_TARGETS = \
	tests/fuzz/fuzz-nae-ctl \
	tests/fuzz/fuzz-nae-rxtx \
	tests/fuzz/fuzz-splitio \
	tests/fuzz/fuzz-dpi \
	tests/fuzz/fuzz-dpi-tcp \
	tests/fuzz/fuzz-esw \
	tests/fuzz/fuzz-esw-virtio \
	tests/fuzz/fuzz-vring-peek
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined $(OVS_DPDK_CFLAGS)
# (Plain variables, not automake programs: automake cannot switch
# compilers per target.)
FUZZ_NAE_SRC = \
	$(srcdir)/lib/nae-ctl.c \
	$(srcdir)/lib/nae-dev.c \
	$(srcdir)/lib/nae-mem.c \
	$(srcdir)/lib/nae-offload.c \
	$(srcdir)/lib/nae-rxtx.c
FUZZ_LIBS = \
	$(OVS_BUILDDIR)/lib/libopenvswitch.la
FUZZ_SECONDS = 60
FUZZ_LINK = $(LIBTOOL) --silent --tag=CC --mode=link $(CLANG) \
	$(FUZZ_CFLAGS) $(AM_CPPFLAGS) -I$(srcdir)/tests

tests/fuzz/fuzz-nae-ctl: $(srcdir)/tests/fuzz/fuzz-nae-ctl.c \
		$(FUZZ_NAE_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_GEN)$(FUZZ_LINK) -o $@ $^ $(FUZZ_LIBS) $(OVS_VSWITCHD_LDFLAGS)

tests/fuzz/fuzz-nae-rxtx: $(srcdir)/tests/fuzz/fuzz-nae-rxtx.c \
		$(srcdir)/tests/nae-test-mem.c $(FUZZ_NAE_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_GEN)$(FUZZ_LINK) -o $@ $^ $(FUZZ_LIBS) $(OVS_VSWITCHD_LDFLAGS)

# The split-I/O engine needs nothing but the C library.
tests/fuzz/fuzz-splitio: $(srcdir)/tests/fuzz/fuzz-splitio.c \
		$(srcdir)/splitio/splitio-conn.c $(srcdir)/splitio/splitio-wire.c
	@$(MKDIR_P) tests/fuzz
	$(AM_V_GEN)$(CLANG) $(FUZZ_CFLAGS) -I$(srcdir)/include \
		-I$(srcdir)/splitio -o $@ $^

# The DPI engine needs the C library and Hyperscan.
tests/fuzz/fuzz-dpi: $(srcdir)/tests/fuzz/fuzz-dpi.c \
		$(srcdir)/ofproto-ext/dpi.c $(srcdir)/tests/fuzz/fuzz-dpi-util.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_GEN)$(CLANG) $(FUZZ_CFLAGS) $(HS_CFLAGS) \
		-I$(srcdir)/ofproto-ext -o $@ $(srcdir)/tests/fuzz/fuzz-dpi.c \
		$(srcdir)/ofproto-ext/dpi.c $(HS_LIBS)

# Differential: no segmentation, decoy or flood gets a signature past the
# engine to a model TCP receiver.
tests/fuzz/fuzz-dpi-tcp: $(srcdir)/tests/fuzz/fuzz-dpi-tcp.c \
		$(srcdir)/ofproto-ext/dpi.c $(srcdir)/tests/dpi-frame.h \
		$(srcdir)/tests/fuzz/fuzz-dpi-util.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_GEN)$(CLANG) $(FUZZ_CFLAGS) $(HS_CFLAGS) \
		-I$(srcdir)/ofproto-ext -I$(srcdir)/tests -o $@ \
		$(srcdir)/tests/fuzz/fuzz-dpi-tcp.c $(srcdir)/ofproto-ext/dpi.c \
		$(HS_LIBS)

# The emulated eswitch's frame parsing and rewriting: DPDK headers only.
tests/fuzz/fuzz-esw: $(srcdir)/tests/fuzz/fuzz-esw.c \
		$(srcdir)/emunic/esw-pkt.c
	@$(MKDIR_P) tests/fuzz
	$(AM_V_GEN)$(CLANG) $(FUZZ_CFLAGS) -I$(srcdir)/include \
		-I$(srcdir)/emunic -o $@ $^

# A VM's virtqueues as the emulated NIC's virtio-mode VF runs them: C
# library only.
tests/fuzz/fuzz-esw-virtio: $(srcdir)/tests/fuzz/fuzz-esw-virtio.c \
		$(srcdir)/emunic/esw-virtio.c
	@$(MKDIR_P) tests/fuzz
	$(AM_V_GEN)$(CLANG) $(FUZZ_CFLAGS) -I$(srcdir)/emunic -o $@ $^

# A VM's receive ring as a migration destination reads it.
tests/fuzz/fuzz-vring-peek: $(srcdir)/tests/fuzz/fuzz-vring-peek.c \
		$(srcdir)/lib/nae-vring-peek.c
	@$(MKDIR_P) tests/fuzz
	$(AM_V_GEN)$(FUZZ_LINK) -o $@ $^ $(FUZZ_LIBS) $(OVS_VSWITCHD_LDFLAGS)

# Runs every target for FUZZ_SECONDS; fails on the first crash.
fuzz: $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
	    name=`basename $$t`; \
	    mkdir -p tests/fuzz/$$name.corpus; \
	    echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
	    $$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -use_value_profile=1 \
	        -artifact_prefix=tests/fuzz/$$name- \
	        tests/fuzz/$$name.corpus > tests/fuzz/$$name.log 2>&1 \
	    || { tail -40 tests/fuzz/$$name.log; exit 1; }; \
	    grep -E 'stat::number_of_executed_units|cov:' \
	        tests/fuzz/$$name.log | tail -2; \
	done
.PHONY: fuzz
