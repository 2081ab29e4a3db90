# lib/: the extension proper, linked into our ovs-vswitchd.
#   nae-abi.h       wire/ABI shared with guest/ (config space, descriptors,
#                   rings, control messages)
#   nae-mem.*       guest memory regions and address translation
#   nae-dev.*       the device model (virtual control path), no I/O
#   nae-ctl.*       the control socket: framing, fd passing, sessions
#   nae-rxtx.*      the software data path (PMD threads only)
#   netdev-nae.c    the "nae" netdev class
noinst_LTLIBRARIES += lib/libnae.la
lib_libnae_la_SOURCES = \
	lib/nae-abi.h \
	lib/nae-ctl.c \
	lib/nae-ctl.h \
	lib/nae-dev.c \
	lib/nae-dev.h \
	lib/nae-mem.c \
	lib/nae-mem.h \
	lib/nae-netdev.h \
	lib/nae-rxtx.c \
	lib/nae-rxtx.h \
	lib/netdev-nae.c

# What links against OVS: our library, then OVS's, in dependency order.
NAE_OVS_LIBS = \
	lib/libnae.la \
	$(OVS_BUILDDIR)/ofproto/libofproto.la \
	$(OVS_BUILDDIR)/lib/libsflow.la \
	$(OVS_BUILDDIR)/lib/libopenvswitch.la
