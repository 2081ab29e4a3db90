# ofproto-ext/: the OpenFlow side (I/O services, HW/SW placement policy).
# Empty until those features land; see ofproto-ext/README.
EXTRA_DIST += ofproto-ext/README
