# lib/: the extension proper, linked into our ovs-vswitchd (the ABI headers
# it shares with guests are in include/, the split-I/O engine in splitio/).
#   nae-mem.*       guest memory regions and address translation
#   nae-dev.*       the device model (virtual control path), no I/O
#   nae-ctl.*       the control socket: framing, fd passing, sessions
#   nae-rxtx.*      the software data path (PMD threads only)
#   nae-offload.*   checksum and TCP segmentation offload (and software
#                   fallbacks) for the data path
#   nae-stat.h      atomic counters of the data path
#   nae-mbuf.*      the shared DPDK mbuf pools
#   nae-vf-assign.* how a placed VF reaches the port's guest (registry)
#   nae-channel.h   the channel class: one kind of channel behind a port
#   nae-channel-ring.*  its software kind: the device's descriptor rings
#   nae-channel-vf.*    its hardware kind: a VF through its representor
#   nae-channel-vhost.* its VM kind: virtio queues through rte_vhost
#   nae-path.*      the make-before-break path switch between channels
#   nae-hold.*      frames kept for a VM that left by migration, or comes
#   nae-vring-peek.*  what a VM received last, from its receive ring
#   nae-place.*     placement of scarce VFs over ports (a pure function)
#   netdev-shared.* what the netdev classes share (rxqs, flags, counters)
#   netdev-nae.*    the "nae" netdev class (glue over the above)
#   netdev-offload-nae.c  its flow offload provider (eswitch rules)
#   netdev-splitio.*  the "splitio" netdev class (the I/O host side)
#   splitio-blkdev.*  its block backend (backing file, AES-XTS at rest)
#   blk-xts.*       the AES-XTS-256 sector cipher (backend and benchmark)

noinst_LTLIBRARIES += lib/libnae.la
lib_libnae_la_LIBADD = splitio/libsplitio.la ofproto-ext/libioservice.la \
	-lcrypto
lib_libnae_la_SOURCES = \
	lib/blk-xts.c \
	lib/blk-xts.h \
	lib/nae-channel.h \
	lib/nae-channel-ring.c \
	lib/nae-channel-ring.h \
	lib/nae-channel-vf.c \
	lib/nae-channel-vf.h \
	lib/nae-channel-vhost.c \
	lib/nae-channel-vhost.h \
	lib/nae-ctl.c \
	lib/nae-ctl.h \
	lib/nae-dev.c \
	lib/nae-dev.h \
	lib/nae-hold.c \
	lib/nae-hold.h \
	lib/nae-mbuf.c \
	lib/nae-mbuf.h \
	lib/nae-mem.c \
	lib/nae-mem.h \
	lib/nae-offload.c \
	lib/nae-offload.h \
	lib/nae-path.c \
	lib/nae-path.h \
	lib/nae-place.c \
	lib/nae-place.h \
	lib/nae-rxtx.c \
	lib/nae-rxtx.h \
	lib/nae-stat.h \
	lib/nae-vf-assign.c \
	lib/nae-vf-assign.h \
	lib/nae-vring-peek.c \
	lib/nae-vring-peek.h \
	lib/netdev-nae.c \
	lib/netdev-nae.h \
	lib/netdev-offload-nae.c \
	lib/netdev-offload-nae.h \
	lib/netdev-shared.c \
	lib/netdev-shared.h \
	lib/netdev-splitio.c \
	lib/netdev-splitio.h \
	lib/splitio-blkdev.c \
	lib/splitio-blkdev.h

# What links against OVS: our library, then OVS's, in dependency order.
NAE_OVS_LIBS = \
	lib/libnae.la \
	$(OVS_BUILDDIR)/ofproto/libofproto.la \
	$(OVS_BUILDDIR)/lib/libsflow.la \
	$(OVS_BUILDDIR)/lib/libopenvswitch.la
