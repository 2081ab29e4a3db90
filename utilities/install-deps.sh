#!/bin/sh
# Installs, with apt-get, every Debian package ovs-nae needs to build, test
# and run its sandbox and benchmarks on a fresh Debian 12 machine.
set -e
if [ "$(id -u)" != 0 ]; then
    echo "$0: run as root (apt-get install)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
    build-essential autoconf automake libtool pkg-config python3 \
    openvswitch-source openvswitch-switch openvswitch-common \
    libdpdk-dev dpdk libcap-ng-dev libssl-dev libnuma-dev \
    clang libclang-rt-14-dev \
    iproute2 iputils-ping iperf3 netcat-openbsd procps \
    tcpdump kmod bc util-linux \
    libfuse3-dev fuse3 iptables conntrack tshark openssl fio ethtool \
    libhyperscan-dev \
    qemu-system-x86 cpio ovn-central ovn-host

# The emulated NIC's driver needs DPDK headers the -dev package lacks.
"$(dirname "$0")/fetch-dpdk-driver-headers.sh"
