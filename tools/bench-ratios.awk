# Per-pair ratios of benchmark values measured on two kernels booted
# alternately (tools/bench.sh --pairs N).  Input, one value a line:
#	PAIR KERNEL NAME VALUE
# (KERNEL is "patched" or "stock"; a value that is not a number is ignored).
# For every NAME measured on both kernels in at least one pair, prints
#	NAME: patched/stock median M (min A, max B) over K pairs, goal <= G: met
# in the order the names first appear.  The median of an even count is the
# mean of the two middle ratios.  A pair that lacks the value on either
# kernel, or whose stock value is 0, gives no ratio and is counted as
# missing.  A value above the goal says "TODO missed" (reported, not tested).
#
#	awk -v goal=1.02 -f tools/bench-ratios.awk FILE...
function isnum(s) { return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
BEGIN { if (goal == "") goal = 1.02 }
NF >= 4 && ($2 == "patched" || $2 == "stock") && isnum($4) {
	if (!($3 in seen)) { seen[$3] = 1; names[++nnames] = $3 }
	if (!(($1) in pairseen)) { pairseen[$1] = 1; pairs[++npairs] = $1 }
	v[$1, $2, $3] = $4 + 0
}
END {
	for (i = 1; i <= nnames; i++) {
		name = names[i]
		k = 0; missing = 0
		for (j = 1; j <= npairs; j++) {
			p = pairs[j]
			if (!((p, "patched", name) in v) || !((p, "stock", name) in v) ||
			    v[p, "stock", name] == 0) {
				missing++
				continue
			}
			r[++k] = v[p, "patched", name] / v[p, "stock", name]
		}
		if (!k)
			continue	# measured on one kernel only: no ratio
		# insertion sort: a handful of pairs
		for (a = 2; a <= k; a++)
			for (b = a; b > 1 && r[b - 1] > r[b]; b--) {
				t = r[b]; r[b] = r[b - 1]; r[b - 1] = t
			}
		med = k % 2 ? r[(k + 1) / 2] : (r[k / 2] + r[k / 2 + 1]) / 2
		printf "%s: patched/stock median %.3f (min %.3f, max %.3f) over %d pair%s",
			name, med, r[1], r[k], k, k == 1 ? "" : "s"
		if (missing)
			printf " (%d without a ratio)", missing
		printf ", goal <= %s: %s\n", goal, med <= goal + 0 ? "met" : "TODO missed"
	}
}
