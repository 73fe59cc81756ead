#!/bin/sh
# The filepin main job: build everything, boot the patched kernel in QEMU
# (soft-RoCE rxe0, ext4 and xfs on emulated pmem with DAX) and show, on
# each file system, an unmodified RDMA program registering memory of a DAX
# file through libfilepin, and a truncate of that file being refused and
# reported.  Prints the guest's transcript.  Options go to tests/vm/run.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

tools/install-deps all
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p _build
(cd _build && { [ -f Makefile ] || ../configure -q; } && make -j"$(nproc)" >/dev/null)

echo "=== building the kernel (cached after the first time; ~10 min on 2 cores)"
kernel=$(kernel/build-kernel | tail -n 1)
results=$(mktemp -d "${TMPDIR:-/tmp}/filepin-demo.XXXXXX")
echo "=== booting $kernel in QEMU (TCG; about a minute)"
set +e
tests/vm/run -k "$kernel" -b _build -o "$results" "$@" tests/vm/demo.sh >"$results/run.out" 2>&1
rc=$?
set -e
while IFS="$(printf '\t')" read -r n _ fs _; do
	echo "=== guest transcript, $fs"
	cat "$results/$n.tap"
done <"$results/cases"
tail -n 1 "$results/run.out"
[ "$rc" -eq 0 ] || { cat "$results/run.out"; exit 1; }
