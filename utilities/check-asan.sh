#! /bin/sh
# check-asan.sh: builds ovs-nae with AddressSanitizer and UndefinedBehavior-
# Sanitizer in a scratch copy of the sources, against an existing OVS build
# tree, and runs the unit tests and the hostile-guest tests.  Our code (all
# of it that touches guest input) is instrumented; OVS's libraries are not.
#
# Usage: check-asan.sh [OVS-SOURCE-DIR [OVS-BUILD-DIR]]
#   (default: the ./ovs tree configure extracted)
set -e

srcdir=$(cd "$(dirname "$0")/.." && pwd)
ovs_src=$(cd "${1:-$srcdir/ovs}" && pwd)
ovs_build=$(cd "${2:-$ovs_src}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ovs-nae-asan.XXXXXX")

echo "check-asan: building in $work"
(cd "$srcdir" && git ls-files -z | tar --null -cf - -T -) | tar -C "$work" -xf -
cd "$work"
./boot.sh > boot.log 2>&1
./configure --with-ovs-source="$ovs_src" --with-ovs-build="$ovs_build" \
    CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined" \
    LDFLAGS="-fsanitize=address,undefined" > configure.log 2>&1
make -j3 > make.log 2>&1 || { tail -30 make.log; exit 1; }
# The hostile-VM test boots the qemu tests' image: reuse the source tree's.
if [ -f "$srcdir/tests/vm/initrd.img" ]; then
    mkdir -p tests/vm
    cp "$srcdir"/tests/vm/* tests/vm/
    touch tests/vm/*
fi

status=0
make check TESTSUITEFLAGS="-j2 -k unit -k hostile" || status=$?
if ! grep -q 'tests were successful\|tests behaved as expected' \
        tests/testsuite.log || grep -q '^0 tests' tests/testsuite.log; then
    echo "check-asan: no test ran"
    status=1
fi
reports=$(find tests/testsuite.dir -name 'asan.*' -o -name 'ubsan.*' \
          2>/dev/null || true)
if [ -n "$reports" ]; then
    echo "check-asan: sanitizer reports:"
    for r in $reports; do echo "== $r"; cat "$r"; done
    status=1
fi
if [ $status = 0 ]; then
    echo "check-asan: unit and hostile-guest tests pass under ASan/UBSan"
    rm -rf "$work"
else
    echo "check-asan: FAILED; build and logs kept in $work"
fi
exit $status
