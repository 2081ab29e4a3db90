#! /bin/bash
# nae-ovn-bench.sh: nae guests on OVN chassis (utilities/nae-ovn-lib.sh,
# the setup of the "ovn" tests), side by side in one run:
#
#   iperf3: TCP between two process guests on nae ports of two chassis
#       (5 s, 1 and 4 streams), over each underlay port type of br-phy:
#       "system" (AF_PACKET, polled by the main thread) and "afxdp"
#       (AF_XDP, polled by the PMD thread).  Gbit/s, retransmits, and the
#       PMD cycles per packet of both chassis.
#   move: a process guest moved from hv1 to hv2 under OVN's multi-chassis
#       binding (activation-strategy=rarp) by "nae-guestd --move", while a
#       peer on hv3 pings it every 10 ms and streams 500 datagrams/s each
#       way.  Pings and datagrams lost, the longest gap.
#   vm: a QEMU VM (tests/vm's image, "make vm-image"; TCG) migrated by
#       QEMU from hv1 to hv2 under the same binding, on nae ports and, side
#       by side, on OVS's own dpdkvhostuserclient ports, while the peer
#       pings it every 10 ms and sends it 200 datagrams/s: QEMU's
#       downtime, pings and datagrams lost, the longest gap.
#
# Prints a table and writes DIR/ovn-bench.svg (throughput bars).  A
# benchmark, not a test: it never fails on its figures.
#
# Usage: nae-ovn-bench.sh --builddir=DIR --ovs-builddir=DIR --ovs-srcdir=DIR
#            [--seconds=N]
set -e -o pipefail

seconds=5
for arg; do
    case $arg in
        --builddir=*) builddir=${arg#*=} ;;
        --ovs-builddir=*) ovs_builddir=${arg#*=} ;;
        --ovs-srcdir=*) ovs_srcdir=${arg#*=} ;;
        --seconds=*) seconds=${arg#*=} ;;
        *) echo "$0: unknown argument $arg" >&2; exit 1 ;;
    esac
done
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "$builddir" && pwd)
export PATH=$builddir/vswitchd-plugin:$builddir/guest:$builddir/utilities:$ovs_builddir/utilities:$ovs_builddir/ovsdb:$PATH

. "$srcdir/utilities/bench-lib.sh"
. "$srcdir/utilities/nae-ovn-lib.sh"
missing=$(nae_ovn_missing)
[ -z "$missing" ] || { echo "$0: $missing" >&2; exit 1; }

bench=$builddir/bench-ovn
rm -rf "$bench"
mkdir -p "$bench"
cd "$bench"
nae_ovn_tag=b
nae_ovn_dpdk="--no-huge --legacy-mem -m 512 --no-pci --no-shconf --no-telemetry"

# What on_exit collects runs at the end of each setup (teardown), last
# first.
on_exit() {
    echo "$*" >> "$setup/cleanup"
}
teardown() {
    set +e
    if [ -n "$setup" ] && [ -f "$setup/cleanup" ]; then
        tac "$setup/cleanup" | while read -r c; do
            eval "$c" > /dev/null 2>&1
        done
        rm -f "$setup/cleanup"
    fi
    set -e
}
trap teardown EXIT
nae_bg() {
    local name=$1
    shift
    "$@" >> "$setup/$name.log" 2>&1 < /dev/null &
    echo $! > "$setup/$name.pid"
    on_exit "kill $!"
}

# setup NAME UL-TYPE HV...: a fresh deployment in DIR/NAME.
setup() {
    setup=$bench/$1
    nae_ovn_base=$setup nae_ovn_ul_type=$2
    shift 2
    mkdir -p "$setup"
    nae_ovn_start
    local n=0
    for hv; do
        n=$((n + 1))
        nae_ovn_chassis_add $hv $n > /dev/null
    done
    for hv; do
        for i in $(seq 300); do
            nae_ovn_chassis_ready $hv && break
            sleep 0.1
        done
    done
    ovn-nbctl ls-add ls1
}

# guest HV PORT N: logical port PORT (MAC f0:00:00:01:02:N, 10.0.0.N) and
# its process guest on HV.
guest() {
    ovn-nbctl lsp-add ls1 $2 -- lsp-set-addresses $2 \
        "f0:00:00:01:02:0$3 10.0.0.$3"
    nae_ovn_guest $1 $2 f0:00:00:01:02:0$3 10.0.0.$3/24 > /dev/null
    for i in $(seq 300); do
        [ "$(ovn-nbctl lsp-get-up $2)" = up ] && return
        sleep 0.1
    done
    echo "$0: $2 did not come up" >&2
    return 1
}

ns() {
    local g=$1
    shift
    ip netns exec "$(nae_ovn_ns $g)" "$@"
}

# pmd_cpp HV: the PMD's average cycles per packet on HV since its stats
# were cleared.
pmd_cpp() {
    nae_ovn_as $1 ovs-appctl dpif-netdev/pmd-stats-show \
        | awk '/avg cycles per packet/ { print int($5) }' | head -1
}

: > results
: > bars

# iperf3 between lp1 (hv1) and lp2 (hv2), per underlay type.
for ul in system afxdp; do
    setup iperf-$ul $ul hv1 hv2
    guest hv1 lp1 1
    guest hv2 lp2 2
    ovn-nbctl --wait=hv sync
    ns lp1 ping -q -c 3 -i 0.2 -W 2 10.0.0.2 > /dev/null
    for streams in 1 4; do
        ns lp2 iperf3 -s -1 -D
        sleep 0.5
        for hv in hv1 hv2; do
            nae_ovn_as $hv ovs-appctl dpif-netdev/pmd-stats-clear > /dev/null
        done
        ns lp1 iperf3 -c 10.0.0.2 -t $seconds -P $streams -J \
            > iperf-$ul-$streams.json
        python3 - iperf-$ul-$streams.json "$ul" $streams \
                "$(pmd_cpp hv1)" "$(pmd_cpp hv2)" >> results <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["end"]["sum_sent"]
print("iperf3 underlay=%-6s streams=%s  %6.2f Gbit/s  retransmits %6d"
      "  PMD cycles/packet hv1 %s hv2 %s"
      % (sys.argv[2], sys.argv[3], r["bits_per_second"] / 1e9,
         r.get("retransmits", 0), sys.argv[4], sys.argv[5]))
EOF
        tail -1 results
        awk -v g="${streams}-stream" -v s="$ul" \
            '{ for (i = 1; i <= NF; i++) if ($i == "Gbit/s") print g, s, $(i - 1) }' \
            <(tail -1 results) >> bars
    done
    teardown
done

# move: lp1 from hv1 to hv2 by nae-guestd --move while the peer on hv3
# talks to it.
move() {
    local kind=move
    setup move system hv1 hv2 hv3
    guest hv1 lp1 1
    guest hv3 peer 3
    ovn-nbctl --wait=hv sync
    ns peer ping -q -c 3 -i 0.2 -W 2 10.0.0.1 > /dev/null
    ovn-nbctl lsp-set-options lp1 requested-chassis=hv1,hv2 \
        activation-strategy=rarp
    nae_ovn_as hv2 ovs-vsctl add-port br-int lp1 -- set Interface lp1 \
        type=nae options:mac=f0:00:00:01:02:01 external_ids:iface-id=lp1
    ovn-nbctl --wait=hv sync

    nae_bg recv-lp1 ns lp1 nae-udp-seq recv 5001 "$setup/to.out"
    nae_bg recv-peer ns peer nae-udp-seq recv 5002 "$setup/from.out"
    sleep 0.5
    nae_bg ping ns peer ping -i 0.01 -c 600 -W 1 10.0.0.1
    nae_bg send-peer ns peer nae-udp-seq send 10.0.0.1 5001 500 6
    nae_bg send-lp1 ns lp1 nae-udp-seq send 10.0.0.3 5002 500 6
    sleep 1.5
    nae-guestd --control="$setup/guest-lp1.ctl" \
        --move="$setup/hv2/nae-lp1.sock" > move.out || true
    nae_ovn_wait_activated lp1 hv2 || echo "$0: lp1 not activated on hv2"
    nae_ovn_as hv1 ovs-vsctl del-port lp1     # First: see docs/ovn.md.
    ovn-nbctl --wait=hv sync
    ovn-nbctl lsp-set-options lp1 requested-chassis=hv2
    for p in ping send-peer send-lp1; do
        while kill -0 "$(cat "$setup/$p.pid")" 2> /dev/null; do sleep 0.2; done
    done
    sleep 1
    kill -TERM "$(cat "$setup/recv-lp1.pid")" "$(cat "$setup/recv-peer.pid")"
    sleep 0.5
    local pings sent_to sent_from
    pings=$(grep -o '[0-9]* packets transmitted, [0-9]* received' \
            "$setup/ping.log")
    sent_to=$(awk '/^sent/ { print $2 }' "$setup/send-peer.log")
    sent_from=$(awk '/^sent/ { print $2 }' "$setup/send-lp1.log")
    awk -v kind=$kind -v pings="$pings" -v st=$sent_to -v sf=$sent_from '
        FILENAME ~ /to.out/ { tr = $2; tg = $NF }
        FILENAME ~ /from.out/ { fr = $2; fg = $NF }
        END {
            split(pings, p, " ")
            printf "move %-8s pings lost %d of %d; datagrams lost to " \
                   "guest %d of %d, from guest %d of %d; longest gap to " \
                   "guest %.1f ms, from guest %.1f ms\n", kind,
                   p[1] - p[4], p[1], st - tr, st, sf - fr, sf, tg / 1000,
                   fg / 1000
        }' "$setup/to.out" "$setup/from.out" >> results
    tail -1 results
    sed 's/^/    /' move.out
    teardown
}
move

# vm_move KIND: a QEMU VM on a KIND port ("nae", or OVS's own
# "dpdkvhostuserclient") of hv1 migrated by QEMU to a KIND port of hv2
# under multi-chassis binding, while the peer on hv3 pings it every 10 ms
# and sends it 200 datagrams/s.
vm_move() {
    local kind=$1 type=nae cmd="python3 $srcdir/tests/nae-vm-cmd.py"
    # A nae destination expects the VM: it announces it when the incoming
    # QEMU connects and keeps its traffic (ovs-nae(7)).
    local dst_opts="options:migration-destination=true"
    dst_opts="$dst_opts options:mac=52:54:00:09:00:01"
    [ $kind = nae ] || type=dpdkvhostuserclient dst_opts=
    setup vm-$kind afxdp hv1 hv2 hv3
    guest hv3 peer 3
    ovn-nbctl lsp-add ls1 vm1 -- lsp-set-addresses vm1 \
        "52:54:00:09:00:01 10.0.0.1"
    nae_ovn_as hv1 ovs-vsctl add-port br-int vm1 -- set Interface vm1 \
        type=$type options:vhost-server-path=$setup/vm1.sock \
        external_ids:iface-id=vm1
    (cd "$setup" && sh "$srcdir/utilities/nae-vm-qemu.sh" "$image" vm1 \
        $setup/vm1.sock 52:54:00:09:00:01 10.0.0.1/24 > vm1-qemu.log 2>&1 &
     echo $! > vm1-qemu.pid)
    on_exit "kill \$(cat $setup/vm1-qemu.pid)"
    for i in $(seq 900); do
        grep -q NAE-VM-READY $setup/vm1-console.log 2> /dev/null && break
        sleep 0.2
    done
    for i in $(seq 300); do
        [ "$(ovn-nbctl lsp-get-up vm1)" = up ] && break
        sleep 0.1
    done
    ovn-nbctl lsp-set-options vm1 requested-chassis=hv1,hv2 \
        activation-strategy=rarp
    nae_ovn_as hv2 ovs-vsctl add-port br-int vm1 -- set Interface vm1 \
        type=$type options:vhost-server-path=$setup/vm1-dst.sock \
        external_ids:iface-id=vm1 $dst_opts
    (cd "$setup" && sh "$srcdir/utilities/nae-vm-qemu.sh" "$image" vm1dst \
        $setup/vm1-dst.sock 52:54:00:09:00:01 10.0.0.1/24 "" "" \
        -incoming unix:$setup/migrate.sock > vm1dst-qemu.log 2>&1 &
     echo $! > vm1dst-qemu.pid)
    on_exit "kill \$(cat $setup/vm1dst-qemu.pid)"
    sleep 2
    ovn-nbctl --wait=hv sync
    if [ $kind = nae ]; then
        nae_ovn_wait_activated vm1 hv2 \
            || echo "$0: vm1 not activated on hv2 before the migration"
    fi
    ns peer ping -q -c 3 -i 0.2 -W 3 10.0.0.1 > /dev/null || true

    $cmd $setup/vm1-cmd.sock 'for f in max default; do echo 4194304 > /proc/sys/net/core/rmem_$f; done' > /dev/null
    $cmd $setup/vm1-cmd.sock 'nae-udp-seq recv 5001 /tmp/recv.out > /dev/null 2>&1 < /dev/null & echo $! > /tmp/recv.pid' > /dev/null
    sleep 1
    nae_bg ping ns peer ping -i 0.01 -c 1000 -W 1 10.0.0.1
    nae_bg send-peer ns peer nae-udp-seq send 10.0.0.1 5001 200 12
    sleep 2
    $cmd --hmp $setup/vm1-mon.sock "migrate -d unix:$setup/migrate.sock" > /dev/null
    for i in $(seq 600); do
        $cmd --hmp $setup/vm1-mon.sock 'info migrate' > $setup/migrate.info
        grep -q 'Migration status: completed' $setup/migrate.info && break
        sleep 0.2
    done
    nae_ovn_wait_activated vm1 hv2 || echo "$0: vm1 not activated on hv2"
    $cmd --hmp $setup/vm1-mon.sock quit > /dev/null 2>&1 || true
    nae_ovn_as hv1 ovs-vsctl del-port vm1     # First: see docs/ovn.md.
    ovn-nbctl --wait=hv sync
    ovn-nbctl lsp-set-options vm1 requested-chassis=hv2
    for p in ping send-peer; do
        while kill -0 "$(cat "$setup/$p.pid")" 2> /dev/null; do sleep 0.2; done
    done
    sleep 1
    $cmd $setup/vm1dst-cmd.sock 'kill -TERM $(cat /tmp/recv.pid)' > /dev/null
    sleep 1
    $cmd $setup/vm1dst-cmd.sock 'cat /tmp/recv.out' > $setup/to.out
    local pings sent down
    pings=$(grep -o '[0-9]* packets transmitted, [0-9]* received' \
            "$setup/ping.log")
    sent=$(awk '/^sent/ { print $2 }' "$setup/send-peer.log")
    down=$(awk '/^downtime:/ { print $2 }' $setup/migrate.info)
    awk -v kind=$kind -v pings="$pings" -v st=$sent -v down="$down" '
        /^received/ { tr = $2; tg = $NF }
        END {
            split(pings, p, " ")
            printf "vm %-10s QEMU downtime %s ms; pings lost %d of %d; " \
                   "datagrams lost %d of %d; longest gap %.1f ms\n", kind,
                   down, p[1] - p[4], p[1], st - tr, st, tg / 1000
        }' "$setup/to.out" >> results
    tail -1 results
    teardown
}
image=$builddir/tests/vm
if [ -f "$image/initrd.img" ]; then
    vm_move nae
    vm_move vhostuser
else
    echo "no VM image (make vm-image): VM moves left out" | tee -a results
fi

echo
cat results
bench_svg_bars bars "iperf3 between nae guests on two OVN chassis" \
    "Gbit/s" > ovn-bench.svg
echo "picture: $bench/ovn-bench.svg"
