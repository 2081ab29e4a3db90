# include/: the ABI and wire formats guests see, in one place.  Headers
# only, C library types only: guest/, emunic/ and the switch include them
# alike.
#   nae-abi.h       the NAE device: config space, descriptors, rings,
#                   control messages
#   splitio-wire.h  split-I/O frames and messages on the wire
#   esw-vf.h        the emulated NIC's VF queues in shared memory
EXTRA_DIST += \
	include/esw-vf.h \
	include/nae-abi.h \
	include/splitio-wire.h
