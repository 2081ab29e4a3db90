# emunic/: the emulated SR-IOV switchdev NIC (see emunic/README), a DPDK
# vdev driver compiled into our ovs-vswitchd and the test programs that
# need hardware.  Layered one way, each file calling only those below it:
#   esw.c          the ethdev driver: uplink, representors, VFs, the
#                  eswitch thread (struct esw_flow_switch for each port)
#   esw-flow.*     the rte_flow front end: transfer rules -> table rules
#   esw-table.*    the flow table, a pure classifier (no DPDK)
#   esw-pkt.*      a frame's lookup key and the rules' rewrites (no DPDK)
#   esw-virtio.*   a VM's virtqueues, device side, for VFs in virtio mode
#                  (no DPDK)
# The driver registers by constructor, so its objects are linked
# directly into each program rather than through a library the linker
# could drop.
ESW_SOURCES = \
	emunic/esw.c \
	emunic/esw-flow.c \
	emunic/esw-flow.h \
	emunic/esw-pkt.c \
	emunic/esw-pkt.h \
	emunic/esw-table.c \
	emunic/esw-table.h \
	emunic/esw-virtio.c \
	emunic/esw-virtio.h \
	emunic/rte_pmd_nae_esw.h
# Driver headers are internal DPDK API.
ESW_CPPFLAGS = -I$(top_srcdir)/include -I$(top_srcdir)/emunic \
	-I$(ESW_HEADERS_DIR) \
	-DALLOW_INTERNAL_API
EXTRA_DIST += emunic/README
# The driver links DPDK and the C library only (it is hardware, not OVS),
# so checkpatch's rules asking for OVS helpers do not apply to it.

vswitchd_plugin_ovs_vswitchd_SOURCES += $(ESW_SOURCES)
vswitchd_plugin_ovs_vswitchd_CPPFLAGS = $(AM_CPPFLAGS) $(ESW_CPPFLAGS) \
	-I$(top_srcdir)/ofproto-ext
vswitchd_plugin_ovs_vswitchd_LDADD += -lrte_bus_vdev

# esw-test: the NIC alone, driven through the ethdev and rte_flow API as
# OVS would drive it, and through its VF shared memory as a guest would.
noinst_PROGRAMS += tests/esw-test
tests_esw_test_SOURCES = tests/esw-test.c $(ESW_SOURCES) \
	guest/esw-vf-guest.c guest/esw-vf-guest.h
tests_esw_test_CPPFLAGS = $(ESW_CPPFLAGS) -I$(top_srcdir)/guest
tests_esw_test_CFLAGS = $(DPDK_CFLAGS) $(NAE_WARNINGS)
tests_esw_test_LDADD = $(DPDK_LIBS) -lrte_bus_vdev -lpthread

# esw-bench: rte_flow programming rate of the NIC ("make bench-esw").
noinst_PROGRAMS += utilities/esw-bench
utilities_esw_bench_SOURCES = utilities/esw-bench.c $(ESW_SOURCES)
utilities_esw_bench_CPPFLAGS = $(ESW_CPPFLAGS)
utilities_esw_bench_CFLAGS = $(DPDK_CFLAGS) $(NAE_WARNINGS)
utilities_esw_bench_LDADD = $(DPDK_LIBS) -lrte_bus_vdev -lpthread

bench-esw: utilities/esw-bench
	@dir=`mktemp -d` && for n in 1000 10000 100000; do \
	    utilities/esw-bench $$n $$dir 2>/dev/null | grep '^esw'; \
	done; rm -rf $$dir
.PHONY: bench-esw
