#!/bin/bash
# splitio-bench.sh: the split-I/O benchmark (not a test; needs root).
#
# Side by side in one run, on identical veth pairs between a "guest"
# network namespace and this host, with our ovs-vswitchd's PMD on core 1:
#
#   net   iperf3 TCP throughput, guest to host, over
#           - kernel TCP on the bare veth pair (the reference),
#           - a splitio port (guest TAP -> splitio-guestd -> the TCP-mimic
#             stream -> splitio port -> br0's internal port),
#           - OVS's userspace vxlan (guest kernel vxlan -> br-phy -> vxlan
#             port on br-int -> br-int's internal port),
#         and the PMD's busy cycles per byte for the two OVS paths
#         (dpif-netdev/pmd-stats-show, so no perf support is needed).
#   blk   fio through the guest's FUSE block device vs. the same backing
#         file used locally with O_DIRECT: sequential 1 MiB MB/s and 4 KiB
#         random IOPS, plain and AES-XTS-256 encrypted.
#
# Options: --builddir=DIR --ovs-builddir=DIR --ovs-srcdir=DIR
#          --duration=SECONDS (per iperf3 run, default 5)
#          --only=net|blk
set -e

builddir=$(pwd)
duration=5
only=
for arg in "$@"; do
    case $arg in
        --builddir=*) builddir=${arg#*=} ;;
        --ovs-builddir=*) ovs_builddir=${arg#*=} ;;
        --ovs-srcdir=*) ovs_srcdir=${arg#*=} ;;
        --duration=*) duration=${arg#*=} ;;
        --only=*) only=${arg#*=} ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "$0: unknown option $arg" >&2; exit 1 ;;
    esac
done
builddir=$(cd "$builddir" && pwd)
: "${ovs_builddir:=$(sed -n 's/^OVS_BUILDDIR = //p' "$builddir/Makefile")}"
: "${ovs_srcdir:=$(sed -n 's/^OVS_SRCDIR = //p' "$builddir/Makefile")}"
[ "$(id -u)" = 0 ] || { echo "$0: needs root" >&2; exit 1; }
for tool in iperf3 fio ethtool; do
    command -v $tool >/dev/null || { echo "$0: needs $tool" >&2; exit 1; }
done

bench=$builddir/bench-splitio
export OVS_RUNDIR=$bench OVS_LOGDIR=$bench OVS_DBDIR=$bench
export OVS_SYSCONFDIR=$bench OVS_PKGDATADIR=$ovs_srcdir
export PATH=$builddir/vswitchd-plugin:$builddir/guest:$ovs_builddir/utilities:$ovs_builddir/ovsdb:$PATH
G=sbench-g

cleanup() {
    set +e
    [ -f "$bench/sguest.pid" ] && kill "$(cat "$bench/sguest.pid")" 2>/dev/null
    sleep 1
    # The userspace datapath's internal ports are TAPs that outlive it.
    for br in br0 br-phy br-int; do
        ovs-vsctl --timeout=5 --if-exists del-br $br 2>/dev/null
        ip link del $br 2>/dev/null
    done
    umount -l "$bench/mnt" 2>/dev/null
    for p in "$bench"/*.pid; do
        [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
    done
    ip netns del $G 2>/dev/null
    for i in sbh0 sbh1 sbh2; do ip link del $i 2>/dev/null; done
}
trap cleanup EXIT
cleanup
rm -rf "$bench"
mkdir -p "$bench/mnt"
cd "$bench"

# Three identical veth pairs: g0/sbh0 splitio, g1/sbh1 kernel, g2/sbh2 vxlan.
ip netns add $G
ip -n $G link set lo up
for i in 0 1 2; do
    ip link add g$i netns $G type veth peer name sbh$i
    ip -n $G link set g$i up
    ip link set sbh$i up
done
ip -n $G addr add 10.91.0.1/24 dev g1
ip addr add 10.91.0.2/24 dev sbh1
ip -n $G addr add 10.92.0.1/24 dev g2

ovsdb-tool create conf.db "$ovs_srcdir/vswitchd/vswitch.ovsschema"
ovsdb-server --detach --no-chdir --pidfile --log-file \
    --remote=punix:"$bench/db.sock"
ovs-vsctl --no-wait init -- set Open_vSwitch . \
    other_config:dpdk-init=true other_config:pmd-cpu-mask=0x2 \
    other_config:dpdk-extra="--no-huge --legacy-mem -m 3072 --no-pci --no-shconf"
ovs-vswitchd --detach --no-chdir --pidfile --log-file -vconsole:off
ovs-vsctl add-br br0 -- set Bridge br0 datapath_type=netdev
ip addr add 192.168.90.1/24 dev br0
ip link set br0 up

G0_MAC=$(ip netns exec $G cat /sys/class/net/g0/address)
truncate -s 1G disk.img
ovs-vsctl add-port br0 vrio1 -- set Interface vrio1 type=splitio \
    options:underlay=sbh0 options:local_ip=10.90.0.2 \
    options:remote_ip=10.90.0.1 options:remote_mac=$G0_MAC \
    options:local_mac=02:00:00:00:90:02 options:blk-backing=$bench/disk.img
splitio-guestd --netns=$G --iface=g0 --local-ip=10.90.0.1 \
    --remote-ip=10.90.0.2 --remote-mac=02:00:00:00:90:02 --tap=eth0 \
    --blk="$bench/mnt" > sguest.log 2>&1 &
echo $! > sguest.pid
for i in $(seq 50); do grep -q HELLO sguest.log && break; sleep 0.2; done
ip -n $G addr add 192.168.90.2/24 dev eth0

# OVS userspace vxlan, as in OVS's userspace-tunneling guide, its underlay
# port on the same DPDK af_packet driver as the splitio underlay, so both
# paths run on the PMD thread.
ovs-vsctl add-br br-phy -- set Bridge br-phy datapath_type=netdev \
    -- add-port br-phy sbh2 -- set Interface sbh2 type=dpdk \
       options:dpdk-devargs=net_af_packet_vx,iface=sbh2,framecnt=4096
ip addr add 10.92.0.2/24 dev br-phy
ip link set br-phy up
ovs-vsctl add-br br-int -- set Bridge br-int datapath_type=netdev \
    -- add-port br-int vx0 -- set Interface vx0 type=vxlan \
       options:remote_ip=10.92.0.1 options:key=100
ip addr add 192.168.92.1/24 dev br-int
ip link set br-int up
ip -n $G link add vx0 type vxlan id 100 remote 10.92.0.2 local 10.92.0.1 \
    dstport 4789 dev g2
ip -n $G link set vx0 mtu 1450 up
# OVS reads sbh2 with a packet socket, which sees checksums a veth left to
# "hardware" as garbage (and counts tunnel pop errors): compute them.
ip netns exec $G ethtool -K g2 tx off >/dev/null
ip netns exec $G ethtool -K vx0 tx off >/dev/null
ip -n $G addr add 192.168.92.2/24 dev vx0
G2_MAC=$(ip netns exec $G cat /sys/class/net/g2/address)
ovs-appctl tnl/neigh/set br-phy 10.92.0.1 "$G2_MAC" >/dev/null
ip netns exec $G ping -c 2 -W 2 192.168.92.1 >/dev/null 2>&1 || true
sleep 1

pmd_busy_cycles() {
    ovs-appctl dpif-netdev/pmd-stats-show \
        | awk '/processing cycles:/ { gsub(/[()%]/, ""); print $3; exit }'
}

# iperf3 guest -> host; prints Gbit/s.  $2: bind address of the server.
iperf_run() {
    local server=$1
    iperf3 -s -B "$server" -1 -D -p 5300 >/dev/null 2>&1
    sleep 0.5
    ip netns exec $G iperf3 -c "$server" -p 5300 -t "$duration" -J \
        > iperf.json 2>/dev/null || { echo 0; return; }
    python3 -c 'import json,sys; d=json.load(open("iperf.json"));
print("%.2f" % (d["end"]["sum_received"]["bits_per_second"] / 1e9))' \
        2>/dev/null || echo 0
}

if [ "$only" != blk ]; then
    echo "== net: iperf3 TCP, guest -> host, $duration s each"
    kern=$(iperf_run 10.91.0.2)
    ovs-appctl dpif-netdev/pmd-stats-clear >/dev/null
    sio=$(iperf_run 192.168.90.1)
    sio_cyc=$(pmd_busy_cycles)
    ovs-appctl dpif-netdev/pmd-stats-clear >/dev/null
    vx=$(iperf_run 192.168.92.1)
    vx_cyc=$(pmd_busy_cycles)
    bytes() { python3 -c "print($1 * 1e9 / 8 * $duration)"; }
    printf '%-22s %8s Gbit/s\n' "kernel TCP (veth)" "$kern" \
        "splitio" "$sio" "OVS userspace vxlan" "$vx"
    python3 - "$kern" "$sio" "$vx" "${sio_cyc:-0}" "${vx_cyc:-0}" \
        "$duration" <<'EOF'
import sys
kern, sio, vx, sc, vc, dur = map(float, sys.argv[1:])
r = lambda a, b: "%.2fx" % (a / b) if b else "n/a"
print("splitio / kernel TCP    %s" % r(sio, kern))
print("splitio / vxlan         %s" % r(sio, vx))
for name, gbps, cyc in (("splitio", sio, sc), ("vxlan", vx, vc)):
    moved = gbps * 1e9 / 8 * dur
    print("PMD cycles per byte, %-8s %s" % (
        name, "%.2f" % (cyc / moved) if moved and cyc else "n/a"))
EOF
    ovs-appctl splitio/show vrio1 | grep -E 'retrans_segs|rto_fired|ooo_segs'

    # The same with a 9000-byte virtual NIC MTU (fewer, larger frames
    # through the guest's TAP; the underlay stays at 1500).
    ovs-vsctl set Interface vrio1 mtu_request=9000
    ip link set br0 mtu 9000
    for i in $(seq 50); do
        [ "$(ip netns exec $G cat /sys/class/net/eth0/mtu)" = 9000 ] && break
        sleep 0.2
    done
    ip -n $G addr replace 192.168.90.2/24 dev eth0
    ip netns exec $G ping -c 1 -W 2 192.168.90.1 >/dev/null 2>&1 || true
    ovs-appctl dpif-netdev/pmd-stats-clear >/dev/null
    sio9=$(iperf_run 192.168.90.1)
    sio9_cyc=$(pmd_busy_cycles)
    python3 - "$sio9" "${sio9_cyc:-0}" "$duration" "$kern" <<'EOF'
import sys
gbps, cyc, dur, kern = map(float, sys.argv[1:])
moved = gbps * 1e9 / 8 * dur
print("%-22s %8.2f Gbit/s (%.2fx kernel TCP), PMD cycles per byte %s" % (
    "splitio, NIC MTU 9000", gbps, gbps / kern if kern else 0,
    "%.2f" % (cyc / moved) if moved and cyc else "n/a"))
EOF
    ovs-vsctl set Interface vrio1 mtu_request=1500
fi

fio_run() {     # fio_run FILE RW BS [extra]: prints MB/s and IOPS
    fio --name=b --filename="$1" --rw="$2" --bs="$3" --size=256M \
        --runtime="$duration" --time_based --ioengine=psync --numjobs=4 \
        --group_reporting --output-format=json $4 > fio.json 2>/dev/null
    python3 -c 'import json; j=json.load(open("fio.json"))["jobs"][0]
r=j["read"]; w=j["write"]
print("%.1f %.0f" % ((r["bw"]+w["bw"])/1024, r["iops"]+w["iops"]))'
}

blk_suite() {   # blk_suite LABEL: remote vs local, seq write/read, rand 4k
    local label=$1
    for t in "write 1M" "read 1M" "randread 4k" "randwrite 4k"; do
        set -- $t
        remote=$(fio_run "$bench/mnt/disk" "$1" "$2")
        local_=$(fio_run "$bench/local.img" "$1" "$2" --direct=1)
        printf '%-10s %-10s %-4s remote %8s MB/s %7s IOPS | local %8s MB/s %7s IOPS\n' \
            "$label" "$1" "$2" $remote $local_
    done
}

if [ "$only" != net ]; then
    echo "== blk: fio, 4 jobs, psync, $duration s each"
    truncate -s 1G local.img
    blk_suite plain
    (umask 077 && openssl rand -hex 64 > key)
    truncate -s 1G enc.img
    ovs-vsctl set Interface vrio1 options:blk-backing="$bench/enc.img" \
        options:blk-key-file="$bench/key"
    for i in $(seq 50); do
        [ "$(stat -c %s mnt/disk)" = $((1024 * 1024 * 1024 - 4096)) ] \
            && break
        sleep 0.2
    done
    blk_suite xts
    echo "(local: the backing file with O_DIRECT, no encryption)"
fi
