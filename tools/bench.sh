#!/bin/sh
# filepin's benchmarks: every tests/vm/bench/*.sh on the patched kernel
# (cases headed "# vm-kernel: stock" on the stock kernel), each printing
# the ratios it measured side by side in one guest run.  Goals that a TCG
# guest misses show as TODO, never as failures: these numbers are reported,
# not tested.
#
#   tools/bench.sh [--pairs N] [--case NAME]... [--kernel IMG]
#                  [--stock-kernel IMG] [--no-build] [tests/vm/run options]
#
# Cases headed "# vm-kernel: both" run on both kernels booted alternately,
# P S P S ..., N pairs (default 3); for each "# kbench NAME VALUE" they
# print, the median of the per-pair ratios patched/stock is printed with
# its min and max and the goal (<= 1.02: these values do not use filepin),
# so that a difference between two boots minutes apart on a shared machine
# is not read as the kernel's (tools/bench-ratios.awk).  Cases on one kernel
# only run in one boot of that kernel.  --case NAME (repeatable) runs only
# tests/vm/bench/NAME (".sh" may be left out).  --kernel and --stock-kernel
# boot these images (default: kernel/build-kernel [--stock], which builds
# the image on a cache miss).  --no-build skips install-deps and the build.
# Other options go to tests/vm/run (e.g. -v).
#
# Environment: FILEPIN_VM_TSC_KHZ (tests/vm/run) gives the guest its TSC
# frequency when its own calibration fails on a loaded host (microsecond
# clocks instead of 4 ms jiffies; the kbench "clocksource" line says which).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tests/vm/lib.sh

pairs=3
only=""
kpatched=""
kstock=""
build=1
while [ $# -gt 0 ]; do
	case $1 in
	--pairs) pairs=$2; shift ;;
	--case) only="$only ${2%.sh}.sh"; shift ;;
	--kernel) kpatched=$2; shift ;;
	--stock-kernel) kstock=$2; shift ;;
	--no-build) build="" ;;
	*) break ;;
	esac
	shift
done
case $pairs in ''|*[!0-9]*|0) echo "bench.sh: --pairs must be a whole number >= 1" >&2; exit 2 ;; esac

if [ -n "$build" ]; then
	tools/install-deps all
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
	mkdir -p _build
	(cd _build && { [ -f Makefile ] || ../configure -q; } && make -j"$(nproc)" >/dev/null)
fi

patched="" stock="" both=""
for b in tests/vm/bench/*.sh; do
	if [ -n "$only" ]; then
		case " $only " in *" ${b##*/} "*) ;; *) continue ;; esac
	fi
	case $(vm_case_header "$b" kernel patched) in
	stock) stock="$stock $b" ;;
	both) both="$both $b" ;;
	*) patched="$patched $b" ;;
	esac
done
[ -n "$patched$stock$both" ] || { echo "bench.sh: no benchmark selected" >&2; exit 2; }
[ -n "$kpatched" ] || [ -z "$patched$both" ] || kpatched=$(kernel/build-kernel | tail -n 1)
[ -n "$kstock" ] || [ -z "$stock$both" ] || kstock=$(kernel/build-kernel --stock | tail -n 1)

rc=0
all=$(mktemp -d "${TMPDIR:-/tmp}/filepin-bench.XXXXXX")
: >"$all/kbench"
# boot KIND LABEL CASES...: one guest run; its kbench values go to
# $all/kbench as "LABEL KIND NAME VALUE"
boot() {
	kind=$1 label=$2
	shift 2
	img=$kpatched
	[ "$kind" = stock ] && img=$kstock
	results=$all/$kind-$label
	# shellcheck disable=SC2086
	tests/vm/run -k "$img" -b _build -o "$results" $vmopts "$@" >"$results.out" 2>&1 || rc=1
	while IFS="$(printf '\t')" read -r n path fs _; do
		echo "=== ${path#"$top"/} ${fs#-} ($kind kernel${label:+, run $label})"
		grep -E '^# |^not ok .*TODO|^ok ' "$results/$n.tap" 2>/dev/null || cat "$results.out"
		sed -n 's/^# kbench //p' "$results/$n.tap" 2>/dev/null |
			sed "s/^/$label $kind /" >>"$all/kbench"
	done <"$results/cases"
}
vmopts="$*"
if [ -n "$both" ]; then
	i=1
	while [ "$i" -le "$pairs" ]; do
		# shellcheck disable=SC2086
		boot patched "$i" $both
		# shellcheck disable=SC2086
		boot stock "$i" $both
		i=$((i + 1))
	done
fi
# shellcheck disable=SC2086
[ -z "$patched" ] || boot patched only $patched
# shellcheck disable=SC2086
[ -z "$stock" ] || boot stock only $stock

# Values measured on both kernels in the same pair: patched / stock.
if [ -n "$both" ]; then
	echo "=== patched / stock, $pairs pair(s) of boots (P S P S ...)"
	grep -v '^only ' "$all/kbench" | awk -v goal=1.02 -f tools/bench-ratios.awk
fi
echo "(results in $all)"
exit $rc
