#! /bin/bash
# hw-bench.sh: nae ports with hardware channels on the emulated switchdev
# NIC.  A benchmark, not a test: it prints figures and never fails on them.
#
#  1. Offload programming rate through the nae offload provider: N
#     datapath flows between two VF-backed nae ports are added with
#     "ovs-appctl dpctl/add-flows"; dpif-netdev's offload thread hands them
#     to the provider, which makes eswitch rules.  Rules/s is N over the
#     time until "nae/offload-show" counts them all in the eswitch, then
#     the same for their removal.
#  2. Switch-over gap: vm1 switches between its VF and its rings 100 times
#     under a steady UDP stream each way (1000 datagrams/s); the gap of
#     each switch (event to the guest's acknowledgement) as nae/show
#     reports it; max, p99, median; and the stream's losses.
#  3. Throughput of a guest pair (TAP guests, iperf3 TCP, 5 s) with both
#     ports on their hardware channels (flows in the eswitch) and on their
#     rings, alternating ROUNDS times, medians and their ratio.
#     (dpdkvhostuser is "make bench"'s yardstick; its guests drive rings
#     without TAP, so its figures do not compare with these.)
#
# Usage: hw-bench.sh [--builddir=DIR] [--flows=N] [--rounds=N]
set -e

builddir=$(pwd)
n_flows=2000
rounds=3
for arg in "$@"; do
    case $arg in
        --builddir=*) builddir=${arg#*=} ;;
        --ovs-builddir=*) ovs_builddir=${arg#*=} ;;
        --ovs-srcdir=*) ovs_srcdir=${arg#*=} ;;
        --flows=*) n_flows=${arg#*=} ;;
        --rounds=*) rounds=${arg#*=} ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "$0: unknown option $arg" >&2; exit 1 ;;
    esac
done
builddir=$(cd "$builddir" && pwd)
srcdir=$(cd "$(dirname "$0")/.." && pwd)
: "${ovs_builddir:=$(sed -n 's/^OVS_BUILDDIR = //p' "$builddir/Makefile")}"
: "${ovs_srcdir:=$(sed -n 's/^OVS_SRCDIR = //p' "$builddir/Makefile")}"

[ "$(id -u)" = 0 ] || { echo "$0: needs root (namespaces)" >&2; exit 1; }
guestd=$builddir/guest/nae-guestd
[ -x "$guestd" ] || { echo "$0: run make first" >&2; exit 1; }

bench=$builddir/bench-hw
export OVS_RUNDIR=$bench OVS_LOGDIR=$bench OVS_DBDIR=$bench
export OVS_SYSCONFDIR=$bench
export PATH=$builddir/vswitchd-plugin:$ovs_builddir/utilities:$ovs_builddir/ovsdb:$PATH
ns1=naehw-vm1 ns3=naehw-vm3

cleanup() {
    set +e
    for p in "$bench"/*.pid; do
        [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
    done
    sleep 1
    ip netns del $ns1 2>/dev/null
    ip netns del $ns3 2>/dev/null
}
trap cleanup EXIT

rm -rf "$bench"
mkdir -p "$bench"
cd "$bench"

ovsdb-tool create conf.db "$ovs_srcdir/vswitchd/vswitch.ovsschema"
ovsdb-server --detach --no-chdir --pidfile --log-file \
    --remote=punix:"$bench/db.sock"
ovs-vsctl --no-wait init -- set Open_vSwitch . \
    other_config:dpdk-init=true other_config:hw-offload=true \
    other_config:max-idle=60000 \
    other_config:dpdk-extra="--no-huge --legacy-mem -m 1024 --no-pci \
--vdev net_nae_esw0,vfs=2,flows=$((n_flows + 64)),shm_dir=$bench" \
    other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2
ovs-vswitchd --detach --no-chdir --pidfile --log-file -vconsole:off
ovs-vsctl add-br br0 -- set Bridge br0 datapath_type=netdev \
    -- add-port br0 vm1 -- set Interface vm1 type=nae ofport_request=1 \
       options:hw-channel="net_nae_esw0,representor=vf0" \
    -- add-port br0 vm3 -- set Interface vm3 type=nae ofport_request=3 \
       options:hw-channel="net_nae_esw0,representor=vf1"

start_guest() {             # NS ADDRESS SOCKET
    ip netns add "$1"
    ip netns exec "$1" ip link set lo up
    ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip netns exec "$1" "$guestd" --socket="$3" --tap=eth0 --vf \
        --pidfile="$bench/guest-$1.pid" > "$bench/guest-$1.log" 2>&1 &
    for i in $(seq 50); do
        ip netns exec "$1" ip link show eth0 > /dev/null 2>&1 && break
        sleep 0.1
    done
    ip netns exec "$1" ip addr add "$2" dev eth0
    ip netns exec "$1" ip link set eth0 txqueuelen 10000
}
start_guest $ns1 10.8.9.1/24 "$bench/nae-vm1.sock"
start_guest $ns3 10.8.9.3/24 "$bench/nae-vm3.sock"

wait_for() {                # COMMAND: up to 30 s
    for i in $(seq 300); do
        eval "$1" > /dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "$0: timed out waiting for: $1" >&2
    return 1
}
wait_for "ovs-appctl nae/show vm1 | grep -q 'path: hw'"
wait_for "ovs-appctl nae/show vm3 | grep -q 'path: hw'"
wait_for "ip netns exec $ns1 ping -q -c 1 -W 1 10.8.9.3"

now() { date +%s.%N; }
in_eswitch() {
    ovs-appctl nae/offload-show | sed -n 's/^flows in the eswitch: //p'
}

# 1. Programming rate.
echo "== offload programming rate ($n_flows flows through the provider)"
dp_port() {                 # PORT: its datapath port number
    ovs-appctl dpctl/show | sed -n "s/^ *port \([0-9]*\): $1 .*/\1/p"
}
python3 - "$n_flows" "$(dp_port vm1)" "$(dp_port vm3)" > flows.txt <<'EOF'
import sys
n, vm1, vm3 = (int(a) for a in sys.argv[1:])
for i in range(n):
    print("in_port(%d),eth(src=02:00:00:%02x:%02x:%02x,dst=02:00:00:00:00:03),"
          "eth_type(0x0800),ipv4(frag=no) %d"
          % (vm1, i >> 16, (i >> 8) & 255, i & 255, vm3))
EOF
# An OpenFlow rule that gives these datapath flows the same actions, so
# that revalidation keeps them as they are ("max-idle" above keeps them
# from expiring while they are counted).
ovs-ofctl add-flow br0 \
    "priority=1000,in_port=vm1,dl_dst=02:00:00:00:00:03,actions=output:vm3"
base=$(in_eswitch)
t0=$(now)
ovs-appctl dpctl/add-flows netdev@ovs-netdev flows.txt || echo "add-flows failed" >&2
if wait_for "test \$(in_eswitch) -ge $((base + n_flows))"; then
    got=$n_flows
else
    got=$(( $(in_eswitch) - base ))
    ovs-appctl nae/offload-show >&2
    ovs-appctl dpctl/dump-flows netdev@ovs-netdev | head -3 >&2
    ovs-appctl dpctl/dump-flows netdev@ovs-netdev | wc -l >&2
fi
t1=$(now)
ovs-appctl dpctl/del-flows netdev@ovs-netdev > /dev/null
wait_for "test \$(in_eswitch) -eq 0" || true
t2=$(now)
awk -v n="$got" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
    printf "installed %d rules in %.3f s: %.0f rules/s\n", n, b - a, n / (b - a);
    printf "removed all (with the pings'"'"' flows) in %.3f s: %.0f rules/s\n",
           c - b, n / (c - b) }'
wait_for "ip netns exec $ns1 ping -q -c 1 -W 1 10.8.9.3"

# 2. Switch-over gaps under a UDP stream.
echo "== switch-over gap, 100 switches of vm1 under 1000 datagrams/s each way"
udp=$srcdir/tests/udp-seq.py
ip netns exec $ns3 python3 "$udp" recv 5001 "$bench/recv3.out" \
    2>/dev/null & echo $! > recv3.pid
ip netns exec $ns1 python3 "$udp" recv 5002 "$bench/recv1.out" \
    2>/dev/null & echo $! > recv1.pid
wait_for "test -e recv1.out -a -e recv3.out"
ip netns exec $ns1 python3 "$udp" send 10.8.9.3 5001 1000 600 \
    > send1.log & echo $! > send1.pid
ip netns exec $ns3 python3 "$udp" send 10.8.9.1 5002 1000 600 \
    > send3.log & echo $! > send3.pid
sleep 1
: > gaps.txt
for i in $(seq 50); do
    for path in sw hw; do
        ovs-appctl nae/set-path vm1 $path > /dev/null
        wait_for "ovs-appctl nae/show vm1 | grep -q 'path: $path (mode'"
        ovs-appctl nae/show vm1 | sed -n 's/.*last gap \([0-9]*\) us.*/\1/p' \
            >> gaps.txt
    done
done
sleep 1
kill -TERM "$(cat send1.pid)" "$(cat send3.pid)"
sleep 2
kill -TERM "$(cat recv1.pid)" "$(cat recv3.pid)"
sleep 1
sort -n gaps.txt | awk '{ g[NR] = $1 } END {
    printf "gap over %d switches: median %d us, p99 %d us, max %d us\n",
           NR, g[int((NR + 1) / 2)], g[int(NR * 0.99 + 0.5)], g[NR] }'
echo "vm1 -> vm3: $(cat send1.log), $(cat recv3.out)"
echo "vm3 -> vm1: $(cat send3.log), $(cat recv1.out)"
ovs-appctl nae/set-path vm1 auto > /dev/null

# 3. Throughput, hardware vs software channels.
echo "== iperf3 vm1 -> vm3, 5 s, hardware channels (eswitch) vs rings"
ip netns exec $ns3 iperf3 -s -D -p 5201 --pidfile "$bench/iperf3.pid"
sleep 0.5
run() {                     # PATH: prints Gbit/s
    ovs-appctl nae/set-path vm1 "$1" > /dev/null
    ovs-appctl nae/set-path vm3 "$1" > /dev/null
    wait_for "ovs-appctl nae/show vm1 | grep -q 'path: $1 (mode'"
    wait_for "ovs-appctl nae/show vm3 | grep -q 'path: $1 (mode'"
    sleep 1
    ip netns exec $ns1 iperf3 -c 10.8.9.3 -p 5201 -t 5 -J 2>/dev/null \
        | python3 -c 'import json, sys
print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]
                ["bits_per_second"] / 1e9))'
}
hw_all="" sw_all=""
for r in $(seq "$rounds"); do
    hw_all="$hw_all $(run hw)"
    sw_all="$sw_all $(run sw)"
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 }
    END { print v[int((NR + 1) / 2)] }'; }
hw=$(echo "$hw_all" | median) sw=$(echo "$sw_all" | median)
echo "hardware channels: $hw Gbit/s (runs:$hw_all)"
echo "software channels: $sw Gbit/s (runs:$sw_all)"
awk -v h="$hw" -v s="$sw" 'BEGIN { if (s > 0) printf "ratio hw/sw: %.2f\n", h / s }'
ovs-appctl nae/offload-show | head -3
