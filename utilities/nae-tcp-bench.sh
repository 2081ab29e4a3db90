#! /bin/bash
# nae-tcp-bench.sh: TCP between two guests with kernel TCP stacks (iperf3,
# 1 and 4 streams), side by side in one run over four paths:
#   nae      two process guests (nae-guestd, each TAP interface in its own
#            network namespace) on two nae ports of our ovs-vswitchd, with
#            other_config:userspace-tso-enable=true (checksum offload and
#            TSO through the rings);
#   nae-plain  the same without it (no offloads);
#   ovs-tso  two veth pairs, one end in each namespace, the other a port
#            (netdev-linux, AF_PACKET) of the same ovs-vswitchd binary's
#            userspace datapath with other_config:userspace-tso-enable=true;
#   kernel   one veth pair between the two namespaces, no switch.
# Each switch is its own ovs-vswitchd (userspace-tso-enable is read at
# start-up), one PMD thread on core 1, its main thread on core 0.  The
# paths alternate ROUNDS times (nae, nae-plain, ovs-tso, kernel, ...); the
# table gives medians, the range, and the ratio to ovs-tso.  A benchmark,
# not a test: it prints figures and never fails on them.
#
# Usage: nae-tcp-bench.sh [--builddir=DIR] [--seconds=N] [--rounds=N]
set -e

builddir=$(pwd)
seconds=5
rounds=3
for arg in "$@"; do
    case $arg in
        --builddir=*) builddir=${arg#*=} ;;
        --ovs-builddir=*) ovs_builddir=${arg#*=} ;;
        --ovs-srcdir=*) ovs_srcdir=${arg#*=} ;;
        --seconds=*) seconds=${arg#*=} ;;
        --rounds=*) rounds=${arg#*=} ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "$0: unknown option $arg" >&2; exit 1 ;;
    esac
done
builddir=$(cd "$builddir" && pwd)
: "${ovs_builddir:=$(sed -n 's/^OVS_BUILDDIR = //p' "$builddir/Makefile")}"
: "${ovs_srcdir:=$(sed -n 's/^OVS_SRCDIR = //p' "$builddir/Makefile")}"
[ "$(id -u)" = 0 ] || { echo "$0: needs root (namespaces)" >&2; exit 1; }
command -v iperf3 > /dev/null || { echo "$0: needs iperf3" >&2; exit 1; }

export PATH=$builddir/vswitchd-plugin:$builddir/guest:$ovs_builddir/utilities:$ovs_builddir/ovsdb:$PATH
. "$(dirname "$0")/bench-lib.sh"
bench_prepare "$builddir/bench-tcp" 0
ns1=naetcp-a ns2=naetcp-b

# The namespaces and links of one path; gone with netns_down.
netns_up() {
    for ns in $ns1 $ns2; do
        ip netns add $ns
        ip -n $ns link set lo up
    done
}
netns_down() {
    for ns in $ns1 $ns2; do
        ip netns pids $ns 2> /dev/null | xargs -r kill 2> /dev/null || true
        ip netns del $ns 2> /dev/null || true
    done
    ip link del naetcp-p1 2> /dev/null || true
    ip link del naetcp-p2 2> /dev/null || true
}
trap 'netns_down; switch_down; bench_cleanup' EXIT

# switch_up OTHER_CONFIG...: our ovs-vswitchd with a fresh database in
# $bench/sw and a userspace bridge br0 (NORMAL).
switch_up() {
    sw=$bench/sw
    rm -rf "$sw"
    mkdir -p "$sw"
    export OVS_RUNDIR=$sw OVS_LOGDIR=$sw OVS_DBDIR=$sw
    ovsdb-tool create "$sw/conf.db" "$ovs_srcdir/vswitchd/vswitch.ovsschema"
    ovsdb-server --detach --no-chdir --pidfile --log-file \
        --remote=punix:"$sw/db.sock" "$sw/conf.db"
    ovs-vsctl --no-wait init -- set Open_vSwitch . \
        other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2 "$@"
    ovs-vswitchd --detach --no-chdir --pidfile --log-file -vconsole:off
    ovs-vsctl add-br br0 -- set Bridge br0 datapath_type=netdev \
        fail-mode=standalone
}
switch_down() {
    [ -n "$sw" ] || return 0
    for p in "$sw"/*.pid; do
        [ -f "$p" ] && kill "$(cat "$p")" 2> /dev/null || true
    done
    sleep 0.5
    sw=
}

addrs() {
    ip -n $ns1 addr add 10.77.0.1/24 dev eth0
    ip -n $ns2 addr add 10.77.0.2/24 dev eth0
    ip -n $ns1 link set eth0 up
    ip -n $ns2 link set eth0 up
}

# nae: with userspace TSO, so that the guests negotiate checksum offload
# and TSO (64 KiB frames through the rings); nae-plain: without, as
# before offloads existed (one MTU-sized frame per descriptor).
path_nae() {
    nae_up other_config:userspace-tso-enable=true
}
path_nae_plain() {
    nae_up
}
nae_up() {
    switch_up other_config:dpdk-init=true \
        other_config:dpdk-extra="--no-huge --legacy-mem -m 512 --no-pci --no-shconf --no-telemetry" "$@"
    ovs-vsctl add-port br0 g1 -- set Interface g1 type=nae \
        -- add-port br0 g2 -- set Interface g2 type=nae
    netns_up
    for g in 1 2; do
        eval ns=\$ns$g
        ip netns exec $ns nae-guestd \
            --socket="$sw/nae-g$g.sock" --tap=eth0 \
            > "$sw/guest-g$g.log" 2>&1 &
        echo $! > "$sw/guest-g$g.pid"
    done
    for i in $(seq 100); do
        ip -n $ns1 link show eth0 > /dev/null 2>&1 \
            && ip -n $ns2 link show eth0 > /dev/null 2>&1 && break
        sleep 0.1
    done
    addrs
}

path_ovs_tso() {
    switch_up other_config:userspace-tso-enable=true
    netns_up
    for g in 1 2; do
        eval ns=\$ns$g
        ip link add naetcp-p$g type veth peer name eth0 netns $ns
        ip link set naetcp-p$g up
        ovs-vsctl add-port br0 naetcp-p$g
    done
    addrs
}

path_kernel() {
    netns_up
    ip -n $ns1 link add eth0 type veth peer name eth0 netns $ns2
    addrs
}

# measure STREAMS: Gbit/s of iperf3 from ns1 to ns2 over the current path.
measure() {
    ip netns exec $ns1 ping -q -c 20 -i 0.1 -w 10 10.77.0.2 > /dev/null \
        || { echo 0; return; }
    ip netns exec $ns2 iperf3 -s -1 -D -p 5201 -I "$bench/iperf-s.pid"
    sleep 0.5
    ip netns exec $ns1 iperf3 -c 10.77.0.2 -p 5201 -t "$seconds" -P "$1" \
        -J > "$bench/iperf.json" 2> /dev/null || { echo 0; return; }
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("%.2f %d" % (d["end"]["sum_received"]["bits_per_second"] / 1e9,
                   d["end"]["sum_sent"].get("retransmits", 0)))' \
        "$bench/iperf.json"
}

declare -A gbps retr
paths="nae nae-plain ovs-tso kernel"
for r in $(seq "$rounds"); do
    for p in $paths; do
        netns_down
        path_${p//-/_}
        for streams in 1 4; do
            read -r g t <<< "$(measure $streams)"
            gbps[$p,$streams]+="$g "
            retr[$p,$streams]+="${t:-0} "
            echo "round $r: $p, $streams stream(s): $g Gbit/s, ${t:-0} retransmits"
        done
        netns_down
        switch_down
    done
done

{
    echo
    echo "TCP between two guests (iperf3, ${seconds} s, $rounds rounds;" \
         "medians, range in brackets)"
    printf '%-8s %-8s %10s %16s %12s %14s\n' path streams Gbit/s range \
           "x ovs-tso" retransmits
    for streams in 1 4; do
        base=$(median ${gbps[ovs-tso,$streams]})
        for p in $paths; do
            vals=${gbps[$p,$streams]}
            m=$(median $vals)
            lo=$(printf '%s\n' $vals | sort -g | head -1)
            hi=$(printf '%s\n' $vals | sort -g | tail -1)
            printf '%-8s %-8s %10s %16s %12s %14s\n' $p $streams $m \
                "[$lo-$hi]" \
                "$(awk -v a=$m -v b=$base 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
                "$(median ${retr[$p,$streams]})"
            echo "streams=$streams $p $m" >> bars
        done
    done
} | tee results.txt
bench_svg_bars bars "TCP between two guests (iperf3)" "Gbit/s" > tcp-bench.svg
echo "picture: $bench/tcp-bench.svg"
