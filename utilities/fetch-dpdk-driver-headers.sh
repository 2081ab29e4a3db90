#!/bin/sh
# Installs the DPDK driver headers that Debian's libdpdk-dev does not ship
# (ethdev_driver.h, ethdev_vdev.h, bus_vdev_driver.h, bus_driver.h,
# dev_driver.h), which the emulated NIC's driver (emunic/) needs, from
# Debian's own dpdk source package of exactly the installed version:
#
#   DESTDIR/<version>/ethdev_driver.h ...
#
# (default DESTDIR /usr/local/share/ovs-nae/dpdk-driver-headers, where
# configure looks).  The deb-src entries are derived from this machine's
# own apt sources; nothing here names a mirror.  Run as root.
set -e
dest=${1:-/usr/local/share/ovs-nae/dpdk-driver-headers}
version=$(dpkg-query -W -f '${Version}' libdpdk-dev)
upstream=${version%-*}
upstream=${upstream#*:}
if [ -f "$dest/$upstream/ethdev_driver.h" ]; then
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/parts" "$work/lists/partial"
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && sed 's/^Types: deb$/Types: deb-src/' "$f" \
        > "$work/parts/$(basename "$f")"
done
if [ -f /etc/apt/sources.list ]; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > "$work/src.list"
else
    : > "$work/src.list"
fi
apt_opts="-o Dir::Etc::SourceList=$work/src.list \
          -o Dir::Etc::SourceParts=$work/parts \
          -o Dir::State::Lists=$work/lists -o APT::Sandbox::User=root"
apt-get $apt_opts -q update >/dev/null
(cd "$work" && apt-get $apt_opts -q source --download-only \
    "dpdk=$version" >/dev/null)
tarball=$(ls "$work"/dpdk_*.orig.tar.* | head -1)
top=$(tar -tf "$tarball" | head -1 | cut -d/ -f1)
tar -xf "$tarball" -C "$work" \
    "$top/lib/ethdev/ethdev_driver.h" "$top/lib/ethdev/ethdev_vdev.h" \
    "$top/drivers/bus/vdev/bus_vdev_driver.h" \
    "$top/lib/eal/include/bus_driver.h" "$top/lib/eal/include/dev_driver.h"
mkdir -p "$dest/$upstream"
find "$work/$top" -name '*.h' -exec cp {} "$dest/$upstream/" \;
echo "DPDK $upstream driver headers installed in $dest/$upstream"
