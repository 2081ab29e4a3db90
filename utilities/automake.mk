# utilities/: the sandbox, the benchmark, dependency install, man pages.
dist_noinst_SCRIPTS += \
	utilities/install-deps.sh \
	utilities/nae-sandbox.sh \
	utilities/bench-lib.sh \
	utilities/hw-bench.sh \
	utilities/nae-bench.sh \
	utilities/nae-vm-failover-bench.sh \
	utilities/nae-ovn-bench.sh \
	utilities/nae-tcp-bench.sh \
	utilities/nae-ovn-lib.sh \
	utilities/nae-vm-image.sh \
	utilities/nae-vm-migrate-bench.sh \
	utilities/nae-vm-qemu.sh \
	utilities/splitio-bench.sh

# "make sandbox", as in OVS: a private ovsdb-server and our ovs-vswitchd,
# two nae ports, two guests in network namespaces (needs root).
sandbox: all
	cd $(srcdir) && $(SHELL) utilities/nae-sandbox.sh \
		--builddir=$(abs_builddir) --ovs-builddir=$(OVS_BUILDDIR) \
		--ovs-srcdir=$(OVS_SRCDIR) $(SANDBOXFLAGS)
.PHONY: sandbox

bench: all
	$(SHELL) $(srcdir)/utilities/nae-bench.sh \
		--builddir=$(abs_builddir) --ovs-builddir=$(OVS_BUILDDIR) \
		--ovs-srcdir=$(OVS_SRCDIR) $(BENCHFLAGS)
	$(SHELL) $(srcdir)/utilities/nae-tcp-bench.sh \
		--builddir=$(abs_builddir) --ovs-builddir=$(OVS_BUILDDIR) \
		--ovs-srcdir=$(OVS_SRCDIR) $(TCP_BENCHFLAGS)
.PHONY: bench

# TCP between two guests' kernel stacks (iperf3): nae ports vs OVS veth
# ports with userspace TSO vs a kernel veth pair.
bench-tcp: all
	$(SHELL) $(srcdir)/utilities/nae-tcp-bench.sh \
		--builddir=$(abs_builddir) --ovs-builddir=$(OVS_BUILDDIR) \
		--ovs-srcdir=$(OVS_SRCDIR) $(BENCHFLAGS)
.PHONY: bench-tcp

# Split I/O: splitio vs kernel TCP vs OVS userspace vxlan, and the block
# device vs its backing file used locally, plain and encrypted.
bench-splitio: all
	$(SHELL) $(srcdir)/utilities/splitio-bench.sh \
		--builddir=$(abs_builddir) --ovs-builddir=$(OVS_BUILDDIR) \
		--ovs-srcdir=$(OVS_SRCDIR) $(BENCHFLAGS)
.PHONY: bench-splitio

# QEMU live migration between two VM ports, nae vs OVS's
# dpdkvhostuserclient, side by side: downtime, pings and datagrams lost.
bench-vm-migrate: all vm-image
	$(SHELL) $(srcdir)/utilities/nae-vm-migrate-bench.sh \
		--builddir=$(abs_builddir) --ovs-builddir=$(OVS_BUILDDIR) \
		--ovs-srcdir=$(OVS_SRCDIR) $(BENCHFLAGS)
.PHONY: bench-vm-migrate

# A VF unplug under traffic: QEMU's virtio-net failover vs a nae port's
# vDPA VF, side by side: pings and datagrams lost, longest gaps, hand-overs.
bench-vm-failover: all vm-image
	$(SHELL) $(srcdir)/utilities/nae-vm-failover-bench.sh \
		--builddir=$(abs_builddir) --ovs-builddir=$(OVS_BUILDDIR) \
		--ovs-srcdir=$(OVS_SRCDIR) $(BENCHFLAGS)
.PHONY: bench-vm-failover

# nae guests on OVN chassis: iperf3 per underlay port type, and a process
# guest moved between chassis by nae-guestd --move vs a daemon restart.
bench-ovn: all
	$(SHELL) $(srcdir)/utilities/nae-ovn-bench.sh \
		--builddir=$(abs_builddir) --ovs-builddir=$(OVS_BUILDDIR) \
		--ovs-srcdir=$(OVS_SRCDIR) $(BENCHFLAGS)
.PHONY: bench-ovn

# Hardware channels: provider programming rate, switch-over gaps, and
# guest-pair throughput on VF vs rings (emulated NIC).
bench-hw: all
	$(SHELL) $(srcdir)/utilities/hw-bench.sh \
		--builddir=$(abs_builddir) --ovs-builddir=$(OVS_BUILDDIR) \
		--ovs-srcdir=$(OVS_SRCDIR) $(BENCHFLAGS)
.PHONY: bench-hw

# The benchmark's generator for two VFs of the emulated NIC (links the
# guest's VF library only: checkpatch's OVS-helper rules do not apply).
noinst_PROGRAMS += utilities/esw-vf-gen
utilities_esw_vf_gen_SOURCES = utilities/esw-vf-gen.c utilities/gen-util.h
utilities_esw_vf_gen_CPPFLAGS = -I$(top_srcdir)/include -I$(top_srcdir)/guest
utilities_esw_vf_gen_CFLAGS = $(NAE_WARNINGS)
utilities_esw_vf_gen_LDADD = guest/libnae-guest.la

# nae-udp-seq: numbered UDP datagrams and their accounting, inside the
# test VMs (libc only: the VM image carries it).
noinst_PROGRAMS += utilities/nae-udp-seq
utilities_nae_udp_seq_SOURCES = utilities/nae-udp-seq.c
utilities_nae_udp_seq_CFLAGS = $(NAE_WARNINGS)

# nae-gen: the benchmark's generator and sink on nae ports' rings.
noinst_PROGRAMS += utilities/nae-gen
utilities_nae_gen_SOURCES = utilities/nae-gen.c
utilities_nae_gen_CPPFLAGS = -I$(top_srcdir)/include -I$(top_srcdir)/guest
utilities_nae_gen_CFLAGS = $(NAE_WARNINGS)
utilities_nae_gen_LDADD = guest/libnae-guest.la

# The benchmark's reference traffic generator for virtio_user ports.
noinst_PROGRAMS += utilities/nae-dpdk-gen
utilities_nae_dpdk_gen_SOURCES = utilities/nae-dpdk-gen.c utilities/gen-util.h
utilities_nae_dpdk_gen_CPPFLAGS =
utilities_nae_dpdk_gen_CFLAGS = $(DPDK_CFLAGS) $(NAE_WARNINGS)
utilities_nae_dpdk_gen_LDADD = $(DPDK_LIBS)

# I/O services: DPI and AES-XTS per core against raw Hyperscan and
# "openssl speed" on the same machine.
noinst_PROGRAMS += utilities/ioservice-bench
utilities_ioservice_bench_SOURCES = \
	utilities/ioservice-bench.c \
	ofproto-ext/dpi.c \
	lib/blk-xts.c
utilities_ioservice_bench_CPPFLAGS = -I$(top_srcdir)/ofproto-ext \
	-I$(top_srcdir)/lib
utilities_ioservice_bench_CFLAGS = -O2 $(NAE_WARNINGS) $(HS_CFLAGS)
utilities_ioservice_bench_LDADD = $(HS_LIBS) -lcrypto
dist_noinst_SCRIPTS += utilities/ioservice-bench.sh

bench-ioservice: utilities/ioservice-bench
	$(SHELL) $(srcdir)/utilities/ioservice-bench.sh \
		--builddir=$(abs_builddir) $(BENCHFLAGS)
.PHONY: bench-ioservice
