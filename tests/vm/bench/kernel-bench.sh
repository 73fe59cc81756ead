# The kernel series' costs (issue 3), measured in one guest and printed as
# "# kbench NAME VALUE" lines; tools/bench.sh runs this on the patched and
# on the stock kernel and divides the values both have.
#   reg1g_dax_s / reg1g_anon_s   ibv_reg_mr of 1 GiB: DAX file under an
#                                exclusive lease vs anonymous memory (both
#                                2 MiB aligned, populated; median of 3,
#                                anonymous: of 9)
#   refuse_median_us, refuse_p99_us
#                                ftruncate refused with ETXTBSY under a lease
#   truncate_us                  unpinned ftruncate(0) of a 16 MiB file
#   regloop_4k_ns                ibv_reg_mr + ibv_dereg_mr of 4 KiB anonymous
#   reg1g_anon4k_s               ibv_reg_mr of 1 GiB anonymous memory in
#                                4 KiB pages (PR_SET_THP_DISABLE)
#   reg1g_daxpmd_s               = reg1g_dax_s: ibv_reg_mr of 1 GiB of a DAX
#                                file (ext4, fresh, fallocated in one go: 2
#                                MiB aligned blocks) under an exclusive lease,
#                                file and mapping 2 MiB aligned: PMD-mapped
#   reg256m_anon4k_s, reg256m_daxpte_s
#                                256 MiB of anonymous 4 KiB pages, and of the
#                                DAX file mapped by PTEs (the mapping 4 KiB
#                                off a 2 MiB boundary; 256 MiB: 4 KiB DAX
#                                faults are slow under TCG)
#   reg1g_daxpmd_over_anon4k, reg1g_daxpmd_over_thp,
#   reg256m_daxpte_over_anon4k   their ratios, from this one guest run
# Goals (TODO checks: a TCG guest measures emulation as much as the kernel):
# DAX / anonymous <= 1.0; refusal median < 50 us; PMD-mapped DAX / anonymous
# 4 KiB <= 1.0 and PTE-mapped DAX / anonymous 4 KiB <= 1.1 (issue 12); PMD-
# mapped DAX / THP is reported only: 6.1's fsdax pages are order-0, so a PMD
# of them still takes 512 page references where a THP takes one.
# vm-fs: ext4
# vm-kernel: both
# vm-timeout: 1500
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
bench=$FILEPIN_BUILD/tests/bench/fp-bench
plan 8

kb() { echo "# kbench $1 $2"; }
val() { awk -v f="$1" '{ print $f }'; }
# When the guest could not calibrate its TSC (a loaded host), the clock is
# jiffies: 4 ms steps that lag the emulation; the ratios are then coarse.
kb clocksource "$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

out=$("$bench" reg -d rxe0 --anon -l 1G -r 9) && ok "1 GiB anonymous registration" ||
	not_ok "1 GiB anonymous registration: $out"
anon=$(echo "$out" | val 3)
kb reg1g_anon_s "$anon"
out=$("$bench" regloop -d rxe0 -n 10000 -s 4096) && ok "10000 x 4 KiB anonymous reg+dereg" ||
	not_ok "4 KiB anonymous reg+dereg: $out"
kb regloop_4k_ns "$(echo "$out" | val 4)"
out=$("$bench" truncate -f trunc.dat -n 200 -l 16M) && ok "unpinned truncate" ||
	not_ok "unpinned truncate: $out"
kb truncate_us "$(echo "$out" | val 3)"

if out=$("$bench" refuse -f refuse.dat -n 2000 2>&1); then
	med=$(echo "$out" | val 3)
	kb refuse_median_us "$med"
	kb refuse_p99_us "$(echo "$out" | val 4)"
	if awk -v m="$med" 'BEGIN { exit !(m + 0 > 0 && m < 50) }'; then
		ok "refusal median $med us < 50 us"
	else
		not_ok "refusal median $med us < 50 us # TODO goal missed under TCG"
	fi
	# The DAX registration needs the lease: fp-pin's kind of program would
	# take it; fp-bench is plain verbs, so run it through libfilepin.
	out=$(LD_PRELOAD=$FILEPIN_BUILD/lib/.libs/libfilepin.so.1 \
		"$bench" reg -d rxe0 --file reg.dax -l 1G -r 3)
	dax=$(echo "$out" | val 3)
	kb reg1g_dax_s "$dax"
	r=$(awk -v a="$dax" -v b="$anon" 'BEGIN { printf "%.3f", a / b }')
	kb reg1g_dax_over_anon "$r"
	if awk -v r="$r" 'BEGIN { exit !(r <= 1.0) }'; then
		ok "1 GiB DAX / anonymous registration $r <= 1.0"
	else
		not_ok "1 GiB DAX / anonymous registration $r <= 1.0 # TODO goal missed under TCG"
	fi
else
	ok "this kernel has no layout leases: no refusal latency # SKIP $out"
	ok "this kernel has no layout leases: no DAX registration # SKIP $out"
	nolease=$out
fi

# Issue 12: PMD- and PTE-mapped DAX against anonymous 4 KiB pages, all in
# this guest run.  The 1 GiB DAX figure above is the PMD-mapped one; the
# PTE-mapped file is mapped 4 KiB off a 2 MiB boundary, where no PMD fits.
rpte() {	# rpte LEN
	rm -f pte.dax
	LD_PRELOAD=$FILEPIN_BUILD/lib/.libs/libfilepin.so.1 \
		"$bench" reg -d rxe0 --file pte.dax -r 3 -l "$1" --pte
	_rc=$?
	rm -f pte.dax
	return $_rc
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b }'; }
goal() {	# goal NAME RATIO MAX
	if awk -v r="$2" -v m="$3" 'BEGIN { exit !(r != "" && r <= m) }'; then
		ok "$1 $2 <= $3"
	else
		not_ok "$1 '$2' <= $3 # TODO goal missed"
	fi
}

out=$("$bench" reg -d rxe0 --anon --no-thp -l 1G -r 9) &&
	ok "1 GiB anonymous registration, 4 KiB pages" ||
	not_ok "1 GiB anonymous registration, 4 KiB pages: $out"
anon4k=$(echo "$out" | val 3)
kb reg1g_anon4k_s "$anon4k"
# no filepin in it: measured on both kernels (patched / stock in bench.sh)
out=$("$bench" reg -d rxe0 --anon --no-thp -l 256M -r 9)
a256=$(echo "$out" | val 3)
kb reg256m_anon4k_s "$a256"
if [ -n "${nolease:-}" ]; then
	ok "no layout leases: no PMD-mapped DAX registration # SKIP $nolease"
	ok "no layout leases: no PTE-mapped DAX registration # SKIP $nolease"
else
	pmd=$dax
	kb reg1g_daxpmd_s "$pmd"
	kb reg1g_daxpmd_over_anon4k "$(ratio "$pmd" "$anon4k")"
	kb reg1g_daxpmd_over_thp "$(ratio "$pmd" "$anon")"
	goal "1 GiB PMD-mapped DAX / anonymous 4 KiB registration" \
		"$(ratio "$pmd" "$anon4k")" 1.0
	rm -f reg.dax
	if out=$(rpte 256M 2>&1); then
		pte=$(echo "$out" | val 3)
		kb reg256m_daxpte_s "$pte"
		kb reg256m_daxpte_over_anon4k "$(ratio "$pte" "$a256")"
		goal "256 MiB PTE-mapped DAX / anonymous 4 KiB registration" \
			"$(ratio "$pte" "$a256")" 1.1
	else
		not_ok "1 GiB PTE-mapped DAX registration: $out"
	fi
fi
