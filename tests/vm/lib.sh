# Host-side helpers of the VM harness, sourced by tests/vm/run and tested by
# tests/host/vm-*.test.  POSIX sh.

# Kernel console lines that mean a case (or the guest) went wrong: WARN,
# BUG (including KASAN, sleeping-in-atomic and soft lockups), oopses and
# panics, lockdep reports, hung tasks, RCU stalls, UBSAN.
VM_CONSOLE_PROBLEMS='WARNING:|BUG:|BUG at|Oops|Kernel panic|general protection fault|UBSAN:|INFO: task .* blocked for more than|rcu.*(stall|detected stalls)|possible recursive locking|inconsistent lock state|circular locking dependency|INFO: trying to register non-static key|hung_task: blocked tasks'

# vm_console_problems LOG [N]
# Print the problem lines of the console log LOG.  With N, only those logged
# while case N ran (between the harness's begin/end markers); with N = -,
# only those logged outside every case (boot, setup, shutdown).
vm_console_problems() {
	awk -v want="${2:-}" -v pat="$VM_CONSOLE_PROBLEMS" '
		/filepin-vm: begin [0-9]+ / {
			for (i = 1; i <= NF; i++)
				if ($i == "begin") { cur = $(i + 1); break }
			next
		}
		/filepin-vm: end [0-9]+ / { cur = ""; next }
		$0 ~ pat {
			if (want == "" || (want == "-" && cur == "") ||
			    (want != "-" && cur == want))
				print
		}' "$1"
}

# vm_tap_verdict TAPFILE RC
# Judge one case from its TAP output and exit status.  Prints one line:
# "pass", "skip: <reason>" or "fail: <reason>".
vm_tap_verdict() {
	case $2 in
	124|137) echo "fail: timed out (killed by the per-case time limit)"; return ;;
	"") echo "fail: did not finish (the guest stopped during this case)"; return ;;
	esac
	awk -v rc="$2" '
		function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
		/^1\.\.[0-9]+/ {
			plan = $0; sub(/^1\.\./, "", plan); planned = plan + 0
			if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) {
				skipwhy = $0; sub(/.*# *[Ss][Kk][Ii][Pp]/, "", skipwhy)
			}
			next
		}
		/^Bail out!/ { bail = $0; next }
		/^not ok/ {
			ran++
			if ($0 ~ /# *TODO/) next
			failed++
			if (first == "") { first = $0; sub(/^not ok *[0-9]* *-? */, "", first) }
			next
		}
		/^ok/ { ran++; next }
		END {
			if (bail != "") { print "fail: " bail; exit }
			if (rc == 77) {
				why = skipwhy != "" ? skipwhy : "exit status 77"
				print "skip: " trim(why); exit
			}
			if (plan == "" && ran == 0) {
				printf "fail: no TAP output (exit status %s)\n", rc; exit
			}
			if (planned == 0 && plan != "") {
				if (rc != 0) { printf "fail: exit status %s\n", rc; exit }
				print "skip: " trim(skipwhy != "" ? skipwhy : "empty plan"); exit
			}
			if (failed) {
				printf "fail: %d of %d failed, first: %s\n", failed, ran, trim(first); exit
			}
			if (plan == "") { printf "fail: no TAP plan (%d results)\n", ran; exit }
			if (ran != planned) {
				printf "fail: planned %d, ran %d\n", planned, ran; exit
			}
			if (rc != 0) { printf "fail: exit status %s\n", rc; exit }
			print "pass"
		}' "$1"
}

# vm_case_header FILE KEY DEFAULT
# The value of a "# vm-KEY: value" header line in a case file.
vm_case_header() {
	v=$(sed -n "s/^# vm-$2: *//p" "$1" | head -n 1)
	echo "${v:-$3}"
}
