#!/bin/bash
# ioservice-bench.sh: the I/O services' benchmark ("make bench-ioservice").
# Not a test: it prints figures, one core's work each, as ratios to the
# raw libraries measured side by side on this machine:
#   - DPI with 1k and 10k signatures at 64 B and 1500 B frames: the
#     service's engine vs raw Hyperscan streaming the same payloads;
#   - AES-XTS-256 MB/s of the block backend's cipher (512 B and 4 KiB
#     blocks, 4 KiB requests) vs "openssl speed -evp aes-256-xts".
# Options: --builddir=DIR (default .), --duration=SECONDS per run (3).
set -e -o pipefail
builddir=.
duration=3
for arg in "$@"; do
    case $arg in
        --builddir=*) builddir=${arg#*=} ;;
        --duration=*) duration=${arg#*=} ;;
        *) echo "$0: unknown option $arg" >&2; exit 2 ;;
    esac
done
bench=$builddir/utilities/ioservice-bench

echo "== DPI: service engine vs raw Hyperscan, one core, $duration s each"
for sigs in 1000 10000; do
    for frame in 64 1500; do
        "$bench" dpi $sigs $frame "$duration"
    done
done

echo "== AES-XTS-256: block backend cipher vs openssl speed, one core"
# openssl speed -bytes 4096: one 4 KiB data unit per call, the best case.
raw=$(openssl speed -evp aes-256-xts -bytes 4096 -seconds "$duration" \
          2>/dev/null | awk 'tolower($1) == "aes-256-xts" { sub(/k$/, "", $2); print $2 }')
raw_mb=$(echo "scale=1; $raw * 1000 / 1000000" | bc)
echo "openssl speed -evp aes-256-xts -bytes 4096: ${raw_mb} MB/s"
for block in 512 4096; do
    line=$("$bench" xts $block "$duration")
    ours=$(echo "$line" | sed 's/.*ours=\([0-9.]*\)MB.*/\1/')
    echo "$line ratio=$(echo "scale=2; $ours / $raw_mb" | bc)"
done
