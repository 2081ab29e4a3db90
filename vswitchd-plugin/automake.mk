# vswitchd-plugin/: our ovs-vswitchd, which is OVS's own vswitchd objects
# linked with lib/libnae.la; our classes register from a constructor.
# esw-appctl.c: hot-plug commands for the emulated NIC built in (emunic/).
sbin_PROGRAMS += vswitchd-plugin/ovs-vswitchd
vswitchd_plugin_ovs_vswitchd_SOURCES = \
	vswitchd-plugin/esw-appctl.c \
	vswitchd-plugin/esw-appctl.h \
	vswitchd-plugin/nae-vswitchd.c
vswitchd_plugin_ovs_vswitchd_LDADD = \
	$(OVS_BUILDDIR)/vswitchd/ovs-vswitchd.o \
	$(OVS_BUILDDIR)/vswitchd/bridge.o \
	$(OVS_BUILDDIR)/vswitchd/system-stats.o \
	$(NAE_OVS_LIBS)
vswitchd_plugin_ovs_vswitchd_LDFLAGS = $(OVS_VSWITCHD_LDFLAGS)

man_MANS += vswitchd-plugin/ovs-nae.7
EXTRA_DIST += vswitchd-plugin/ovs-nae.7
