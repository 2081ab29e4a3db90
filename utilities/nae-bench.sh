#! /bin/bash
# nae-bench.sh: guest-to-guest throughput through one OVS PMD core, for nae
# software channels and, side by side in the same run, for OVS's own
# dpdkvhostuser ports driven by DPDK's virtio_user, and for two VFs of the
# emulated switchdev NIC whose flow OVS offloads into the eswitch (the
# hardware channel's path once offloaded), and for VM-facing nae ports
# (options:vhost-server-path) driven by virtio_user as a vhost-user server,
# QEMU's role.  A benchmark, not a test: it
# prints figures and their ratio and never fails on them.
#
# Both sides run the same kind of guest, on the rings, never TAP: one
# polling thread that sends a burst on the first port and drains the second,
# as testpmd does with two ports (two busy processes on one core would only
# measure the scheduler).  nae ports are driven by "nae-gen --mode=loop";
# the virtio_user ports by "nae-dpdk-gen --mode=loop" (Debian 12 ships no
# dpdk-testpmd; it is testpmd's txonly+rxonly reduced to what is measured
# here), the VFs by "esw-vf-gen".  The emulated eswitch is one thread that
# copies every frame, so its column shows the model's cost, not a NIC's.  The rate is what reached the sink over the measuring window, as
# the generator counts it (OVS 3.1 cannot read vhost-user port counters
# here, so the sink is the one yardstick both sides share); beside it, the
# PMD thread's cycles per packet from "ovs-appctl dpif-netdev/pmd-stats-show"
# over the same window.
#
# The sides alternate, ROUNDS times per frame size (nae, vhost, nae, ...),
# and the table gives each side's median and the ratio of medians, with
# the range beside it: on a shared VM the host's load drifts, and
# back-to-back single runs would credit that drift to one side.
#
# CPU placement on this 2-core machine: core 1 runs the one PMD thread,
# which polls all the ports; core 0 runs the main thread, ovsdb-server and
# the generator of the pair under test; the emulated NIC's eswitch thread
# is not pinned.
#
# Usage: nae-bench.sh [--builddir=DIR] [--duration=SECONDS] [--rounds=N]
#                     [--sizes="64 1500"]
set -e

builddir=$(pwd)
duration=5
warmup=2
rounds=5
sizes="64 1500"
for arg in "$@"; do
    case $arg in
        --builddir=*) builddir=${arg#*=} ;;
        --ovs-builddir=*) ovs_builddir=${arg#*=} ;;
        --ovs-srcdir=*) ovs_srcdir=${arg#*=} ;;
        --duration=*) duration=${arg#*=} ;;
        --rounds=*) rounds=${arg#*=} ;;
        --sizes=*) sizes=${arg#*=} ;;
        -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "$0: unknown option $arg" >&2; exit 1 ;;
    esac
done
builddir=$(cd "$builddir" && pwd)
: "${ovs_builddir:=$(sed -n 's/^OVS_BUILDDIR = //p' "$builddir/Makefile")}"
: "${ovs_srcdir:=$(sed -n 's/^OVS_SRCDIR = //p' "$builddir/Makefile")}"

[ "$(id -u)" = 0 ] || { echo "$0: needs root (hugepages)" >&2; exit 1; }
gen=$builddir/utilities/nae-dpdk-gen
vfgen=$builddir/utilities/esw-vf-gen
naegen=$builddir/utilities/nae-gen
[ -x "$gen" ] && [ -x "$naegen" ] && [ -x "$vfgen" ] \
    || { echo "$0: run make first" >&2; exit 1; }

export PATH=$builddir/vswitchd-plugin:$ovs_builddir/utilities:$ovs_builddir/ovsdb:$PATH
. "$(dirname "$0")/bench-lib.sh"
# 3 GiB of 2 MiB hugepages: OVS's pool plus one per generator process.
bench_prepare "$builddir/bench" 1536

ovsdb-tool create conf.db "$ovs_srcdir/vswitchd/vswitch.ovsschema"
ovsdb-server --detach --no-chdir --pidfile --log-file \
    --remote=punix:"$bench/db.sock"
ovs-vsctl --no-wait init -- set Open_vSwitch . \
    other_config:dpdk-init=true other_config:hw-offload=true \
    other_config:dpdk-extra="--huge-dir $bench/huge --no-pci \
--vdev net_nae_esw0,vfs=2,flows=64,shm_dir=$bench" \
    other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2
ovs-vswitchd --detach --no-chdir --pidfile --log-file -vconsole:off
ovs-vsctl add-br br0 -- set Bridge br0 datapath_type=netdev \
    -- add-port br0 nae1 -- set Interface nae1 type=nae ofport_request=1 \
    -- add-port br0 nae2 -- set Interface nae2 type=nae ofport_request=2 \
    -- add-port br0 vhu1 -- set Interface vhu1 type=dpdkvhostuser \
       ofport_request=3 \
    -- add-port br0 vhu2 -- set Interface vhu2 type=dpdkvhostuser \
       ofport_request=4 \
    -- add-port br0 rep1 -- set Interface rep1 type=dpdk ofport_request=5 \
       options:dpdk-devargs="net_nae_esw0,representor=vf0" \
    -- add-port br0 rep2 -- set Interface rep2 type=dpdk ofport_request=6 \
       options:dpdk-devargs="net_nae_esw0,representor=vf1" \
    -- add-port br0 nvm1 -- set Interface nvm1 type=nae ofport_request=7 \
       options:vhost-server-path="$bench/nvm1" \
    -- add-port br0 nvm2 -- set Interface nvm2 type=nae ofport_request=8 \
       options:vhost-server-path="$bench/nvm2"
ovs-ofctl del-flows br0
ovs-ofctl add-flow br0 "in_port=1,actions=output:2"
ovs-ofctl add-flow br0 "in_port=3,actions=output:4"
ovs-ofctl add-flow br0 "in_port=5,actions=output:6"
ovs-ofctl add-flow br0 "in_port=7,actions=output:8"
ovs-ofctl add-flow br0 "priority=0,actions=drop"

# pmd_window LOG: clears the PMD statistics at the start of the window and
# saves them at its end into LOG.
pmd_window() {
    sleep "$warmup"
    ovs-appctl dpif-netdev/pmd-stats-clear
    sleep "$duration"
    ovs-appctl dpif-netdev/pmd-stats-show > "$1"
}

# result GEN-LOG PMD-LOG: prints "RX-PPS CYCLES-PER-PACKET".
result() {
    local pps cpp
    pps=$(sed -n 's/.* rx_pps=\([0-9.]*\).*/\1/p' "$1")
    cpp=$(sed -n 's/.*avg processing cycles per packet: \([0-9.]*\).*/\1/p' \
          "$2" | head -1)
    echo "${pps:-0} ${cpp:-0}"
}

# run_side NAME SIZE COMMAND...: runs the generator COMMAND on core 0 over
# the warm-up and window, and prints its "RX-PPS CYCLES-PER-PACKET".
run_side() {
    local name=$1 size=$2
    shift 2
    taskset -c 0 "$@" --warmup="$warmup" --duration=$((warmup + duration)) \
        > "$name-$size.log" 2>&1 &
    echo $! > "$name-gen.pid"
    pmd_window "$name-pmd-$size.log"
    wait
    result "$name-$size.log" "$name-pmd-$size.log"
}

run_nae() {
    run_side nae "$1" "$naegen" --mode=loop --pkt-size="$1" \
        --socket="$bench/nae-nae1.sock" --peer-socket="$bench/nae-nae2.sock" \
        --ring-size=1024
}

run_vhost() {
    run_side vhost "$1" "$gen" -l 0 --no-pci --in-memory \
        --single-file-segments -m 512 --huge-dir "$bench/huge" \
        --file-prefix=vgen \
        --vdev="net_virtio_user0,path=$bench/vhu1,queues=1,queue_size=1024" \
        --vdev="net_virtio_user1,path=$bench/vhu2,queues=1,queue_size=1024" \
        -- --mode=loop --pkt-size="$1"
}

# The VM-facing nae ports, driven the same way: virtio_user here is the
# vhost-user server (QEMU's role), the ports its clients.
run_naevm() {
    run_side naevm "$1" "$gen" -l 0 --no-pci --in-memory \
        --single-file-segments -m 512 --huge-dir "$bench/huge" \
        --file-prefix=nvgen \
        --vdev="net_virtio_user0,path=$bench/nvm1,queues=1,queue_size=1024,server=1" \
        --vdev="net_virtio_user1,path=$bench/nvm2,queues=1,queue_size=1024,server=1" \
        -- --mode=loop --pkt-size="$1"
}

run_hw() {
    run_side hw "$1" "$vfgen" --vf-tx="$bench/net_nae_esw0-vf0" \
        --vf-rx="$bench/net_nae_esw0-vf1" --pkt-size="$1"
}

range() {
    printf '%s\n' "$@" | sort -g | awk 'NR == 1 {lo = $1} {hi = $1}
        END {printf "%.2f-%.2f", lo / 1e6, hi / 1e6}'
}

{
    echo "ovs-nae benchmark: $(ovs-vswitchd --version | head -1)"
    echo "CPU placement: core 1 = OVS PMD thread (polls the nae, vhost" \
         "and representor ports); core 0 = main thread, ovsdb-server, the" \
         "one generator thread; the emulated NIC's eswitch thread unpinned"
    echo "$rounds alternating rounds per size, each ${warmup}s warm-up +" \
         "${duration}s measured; rings 1024; medians, range in brackets"
    printf '%-6s %10s %10s %7s %10s %7s %10s %7s %10s %10s %8s %8s %8s\n' \
        frame "nae Mpps" "vhost Mpps" ratio "naeVM Mpps" "VM/vh" \
        "VF Mpps" "VF/vh" "nae Gb/s" "vhost Gb/s" "nae cpp" "vh cpp" \
        "VM cpp"
} | tee results.txt
for size in $sizes; do
    nae_pps=() vhost_pps=() hw_pps=() nae_cpps=() vhost_cpps=() vm_pps=()
    vm_cpps=()
    for r in $(seq "$rounds"); do
        read -r pps cpp < <(run_nae "$size")
        nae_pps+=("$pps") nae_cpps+=("$cpp")
        read -r pps cpp < <(run_vhost "$size")
        vhost_pps+=("$pps") vhost_cpps+=("$cpp")
        read -r pps cpp < <(run_naevm "$size")
        vm_pps+=("$pps") vm_cpps+=("$cpp")
        read -r pps cpp < <(run_hw "$size")
        hw_pps+=("$pps")
    done
    vm=$(median "${vm_pps[@]}")
    nae=$(median "${nae_pps[@]}")
    vhost=$(median "${vhost_pps[@]}")
    hw=$(median "${hw_pps[@]}")
    printf '%-6s %10.3f %10.3f %6.2fx %10.3f %6.2fx %10.3f %6.2fx %10.2f %10.2f %8.1f %8.1f %8.1f\n' \
        "${size}B" "$(echo "$nae / 1000000" | bc -l)" \
        "$(echo "$vhost / 1000000" | bc -l)" \
        "$(echo "if ($vhost > 0) $nae / $vhost else 0" | bc -l)" \
        "$(echo "$vm / 1000000" | bc -l)" \
        "$(echo "if ($vhost > 0) $vm / $vhost else 0" | bc -l)" \
        "$(echo "$hw / 1000000" | bc -l)" \
        "$(echo "if ($vhost > 0) $hw / $vhost else 0" | bc -l)" \
        "$(echo "$nae * $size * 8 / 1000000000" | bc -l)" \
        "$(echo "$vhost * $size * 8 / 1000000000" | bc -l)" \
        "$(median "${nae_cpps[@]}")" "$(median "${vhost_cpps[@]}")" \
        "$(median "${vm_cpps[@]}")" | tee -a results.txt
    echo "       range: nae [$(range "${nae_pps[@]}")]," \
         "vhost [$(range "${vhost_pps[@]}")]," \
         "naeVM [$(range "${vm_pps[@]}")]," \
         "VF [$(range "${hw_pps[@]}")] Mpps" | tee -a results.txt
    # Each round, so that runs can be pooled: the bench is noisy.
    for side in nae vhost vm hw; do
        eval "vals=(\"\${${side}_pps[@]}\")"
        echo "       rounds $side: $(printf '%s\n' "${vals[@]}" \
            | awk '{ printf "%s%.3f", (NR > 1 ? " " : ""), $1 / 1e6 }')" \
            | tee -a results.txt
    done
done
echo "VF: OVS offloaded the VF-to-VF flow into the eswitch" \
     "($(ovs-appctl dpctl/dump-flows type=offloaded | grep -c 'in_port') flow(s)" \
     "in hardware at the end); the PMD thread does not see it" \
     | tee -a results.txt
echo "cpp: PMD cycles per packet (rx, lookup, tx) over the window;" \
     "Gb/s counts frame bytes" | tee -a results.txt
echo "results in $bench/results.txt; guest logs beside it"
