# ofproto-ext/: the OpenFlow side of ovs-nae: I/O service ports that
# OpenFlow rules chain together (see ofproto-ext/README).  Its own
# convenience library, which lib/libnae.la takes in (LIBADD), hence our
# ovs-vswitchd.
#   netdev-ioservice.*  the "ioservice" netdev class
#   ioservice-chain.*   the chains of services OpenFlow rules make
#   dpi.*               the DPI engine (Hyperscan)
noinst_LTLIBRARIES += ofproto-ext/libioservice.la
ofproto_ext_libioservice_la_SOURCES = \
	ofproto-ext/dpi.c \
	ofproto-ext/dpi.h \
	ofproto-ext/ioservice-chain.c \
	ofproto-ext/ioservice-chain.h \
	ofproto-ext/netdev-ioservice.c \
	ofproto-ext/netdev-ioservice.h
ofproto_ext_libioservice_la_CFLAGS = $(AM_CFLAGS) $(HS_CFLAGS)
ofproto_ext_libioservice_la_LIBADD = $(HS_LIBS)
EXTRA_DIST += ofproto-ext/README
# dpi.c uses only the C library and Hyperscan, so that the benchmark and
# the fuzz target link it alone; checkpatch's rules asking for OVS helpers
# (xmalloc, ovs_abort) do not apply to it, as to guest/.
