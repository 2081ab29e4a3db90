# splitio/: the split-I/O protocol engine, used by the switch's "splitio"
# netdev class and by the guest frontend alike: C library only, no OVS, no
# DPDK (so OVS's checkpatch rules asking for its helpers do not apply).
#   splitio-wire.c  frames and messages (include/splitio-wire.h)
#   splitio-conn.*  the TCP-mimic connection engine
noinst_LTLIBRARIES += splitio/libsplitio.la
splitio_libsplitio_la_SOURCES = \
	splitio/splitio-conn.c \
	splitio/splitio-conn.h \
	splitio/splitio-wire.c
splitio_libsplitio_la_CPPFLAGS = -I$(top_srcdir)/include \
	-I$(top_srcdir)/splitio
splitio_libsplitio_la_CFLAGS = -O2 $(NAE_WARNINGS)
