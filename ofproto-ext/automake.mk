# ofproto-ext/: the OpenFlow side of ovs-nae: I/O service ports that
# OpenFlow rules chain together (see ofproto-ext/README).  Linked into
# lib/libnae.la, hence into our ovs-vswitchd.
lib_libnae_la_SOURCES += \
	ofproto-ext/dpi.c \
	ofproto-ext/dpi.h \
	ofproto-ext/ioservice-chain.c \
	ofproto-ext/ioservice-chain.h \
	ofproto-ext/netdev-ioservice.c \
	ofproto-ext/netdev-ioservice.h
lib_libnae_la_CFLAGS = $(AM_CFLAGS) $(HS_CFLAGS)
lib_libnae_la_LIBADD += $(HS_LIBS)
EXTRA_DIST += ofproto-ext/README
# dpi.c uses only the C library and Hyperscan, so that the benchmark and
# the fuzz target link it alone; checkpatch's rules asking for OVS helpers
# (xmalloc, ovs_abort) do not apply to it, as to guest/.
