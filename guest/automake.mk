# guest/: what runs inside a guest.  The driver library speaks the NAE
# device ABI (include/nae-abi.h) and nothing of OVS:
#   nae-guest.*     the NAE device driver
#   nae-failover.*  the guest half of the path switch, over a VF's ops
#   esw-vf-guest.*  the emulated NIC's VF, and its failover ops
#   guest-tap.*     TAP interfaces
#   guest-move.*    arriving on a port (the RARP announcement) and moving
#                   between ports without loss; the daemon's control socket
# nae-guestd exposes the device as a TAP interface (bonded with a VF of the
# emulated NIC when the port has a hardware channel); splitio-guestd is the
# split-I/O frontend.
# A guest has no libopenvswitch, so OVS's checkpatch rules that ask for its
# helpers (xstrdup, ovs_strerror) do not apply here; plain libc is used.
noinst_LTLIBRARIES += guest/libnae-guest.la
guest_libnae_guest_la_SOURCES = \
	guest/esw-vf-guest.c \
	guest/esw-vf-guest.h \
	guest/guest-move.c \
	guest/guest-move.h \
	guest/guest-tap.c \
	guest/guest-tap.h \
	guest/nae-failover.c \
	guest/nae-failover.h \
	guest/nae-guest.c \
	guest/nae-guest.h
guest_libnae_guest_la_CPPFLAGS = -I$(top_srcdir)/include
guest_libnae_guest_la_CFLAGS = $(NAE_WARNINGS)

bin_PROGRAMS += guest/nae-guestd
guest_nae_guestd_SOURCES = guest/nae-guestd.c
guest_nae_guestd_CPPFLAGS = -I$(top_srcdir)/include -I$(top_srcdir)/guest
guest_nae_guestd_CFLAGS = $(NAE_WARNINGS)
guest_nae_guestd_LDADD = guest/libnae-guest.la

man_MANS += guest/nae-guestd.8
EXTRA_DIST += guest/nae-guestd.8

# splitio-guestd: the split-I/O frontend (TAP + FUSE block device), built
# on the protocol engine shared with the switch (splitio/libsplitio.la).
bin_PROGRAMS += guest/splitio-guestd
guest_splitio_guestd_SOURCES = \
	guest/splitio-blk.c \
	guest/splitio-blk.h \
	guest/splitio-guestd.c
guest_splitio_guestd_CPPFLAGS = -I$(top_srcdir)/include \
	-I$(top_srcdir)/splitio -I$(top_srcdir)/guest \
	$(FUSE3_CFLAGS)
guest_splitio_guestd_CFLAGS = $(NAE_WARNINGS)
guest_splitio_guestd_LDADD = guest/libnae-guest.la splitio/libsplitio.la \
	$(FUSE3_LIBS) -lpthread

man_MANS += guest/splitio-guestd.8
EXTRA_DIST += guest/splitio-guestd.8

# esw-vf-guestd: a guest's VF driver for the emulated switchdev NIC
# (emunic/), exposing the VF as a TAP interface.
bin_PROGRAMS += guest/esw-vf-guestd
guest_esw_vf_guestd_SOURCES = guest/esw-vf-guestd.c
guest_esw_vf_guestd_CPPFLAGS = -I$(top_srcdir)/include -I$(top_srcdir)/guest
guest_esw_vf_guestd_CFLAGS = $(NAE_WARNINGS)
guest_esw_vf_guestd_LDADD = guest/libnae-guest.la

man_MANS += guest/esw-vf-guestd.8
EXTRA_DIST += guest/esw-vf-guestd.8
