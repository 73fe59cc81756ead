# Helpers for the pinmgr VM cases (POSIX sh), sourced after case-lib.sh:
#   . "$FILEPIN_TOP/tests/vm/case-lib.sh"
#   . "$FILEPIN_TOP/tests/daemon/vm/pinmgr-case.sh"
# The programs are in $PM_VM (pm-holder, pm-rdma-peer, pm-bench); pinmgr
# and pinctl are on PATH (guest-init adds daemon/ and cli/).
PM_VM=$FILEPIN_BUILD/tests/daemon/vm
PM_RUN=$(mktemp -d /tmp/pinmgr-case.XXXXXX)
chmod 755 "$PM_RUN"
PM_SOCK=$PM_RUN/pinmgr.sock
FILEPIN_PINMGR_SOCKET=$PM_SOCK
export FILEPIN_PINMGR_SOCKET
pm_pid=

# pm_start [CONFIG-LINE...]: start "pinmgr -n -d" with these config lines and
# wait until it answers.  Its pid is in $pm_pid.  pinmgr runs under a
# subshell that records its exit status in a file, so that pm_stop works
# inside $(...) (check runs its command there) too.
pm_start() {
	printf '%s\n' "scan-interval 0.5" "$@" >"$PM_RUN/pinmgr.conf"
	rm -f "$PM_RUN/pinmgr.pid" "$PM_RUN/pinmgr.rc"
	(
		pinmgr -n -d -s "$PM_SOCK" -c "$PM_RUN/pinmgr.conf" >>"$PM_RUN/pinmgr.log" 2>&1 &
		echo $! >"$PM_RUN/pinmgr.pid"
		wait $!
		echo $? >"$PM_RUN/pinmgr.rc.tmp"
		mv "$PM_RUN/pinmgr.rc.tmp" "$PM_RUN/pinmgr.rc"
	) &
	pm_retry 5 test -s "$PM_RUN/pinmgr.pid" || { diag "pinmgr was not started"; return 1; }
	pm_pid=$(cat "$PM_RUN/pinmgr.pid")
	_i=0
	until pinctl status >/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ $_i -ge 100 ] || [ -e "$PM_RUN/pinmgr.rc" ]; then
			diag "pinmgr did not start: $(tail -n 20 "$PM_RUN/pinmgr.log")"
			return 1
		fi
		sleep 0.1
	done
}

# pm_stop: SIGTERM, wait (up to 20 s); returns pinmgr's exit status, and
# says what went wrong when it is not 0.
pm_stop() {
	[ -e "$PM_RUN/pinmgr.pid" ] || return 0
	[ -e "$PM_RUN/pinmgr.rc" ] || kill -TERM "$(cat "$PM_RUN/pinmgr.pid")" 2>/dev/null
	pm_retry 20 test -e "$PM_RUN/pinmgr.rc" || { echo "pinmgr did not stop within 20 s"; return 1; }
	_st=$(cat "$PM_RUN/pinmgr.rc")
	rm -f "$PM_RUN/pinmgr.pid" "$PM_RUN/pinmgr.rc"
	pm_pid=
	[ "$_st" = 0 ] || echo "pinmgr exited with status $_st: $(tail -n 5 "$PM_RUN/pinmgr.log")"
	return "$_st"
}

pm_log() { cat "$PM_RUN/pinmgr.log"; }

# ph_start NAME PM-HOLDER-ARGS...: pm-holder in the background, driven
# through a fifo; waits for "ready".  Its pid is in $ph_pid, its output in
# NAME.out.
ph_start() {
	ph_name=$1
	shift
	rm -f "$ph_name.ctl" "$ph_name.out"
	mkfifo "$ph_name.ctl"
	"$PM_VM/pm-holder" "$@" <"$ph_name.ctl" >"$ph_name.out" 2>"$ph_name.err" &
	ph_pid=$!
	exec 7>"$ph_name.ctl"
	pm_wait_for "$ph_name.out" '^ready' 30 || {
		diag "pm-holder did not get ready: $(cat "$ph_name.out" "$ph_name.err")"
		return 1
	}
	ph_lkey=$(sed -n 's/^ready lkey=\(0x[0-9a-f]*\) rkey=.*/\1/p' "$ph_name.out")
	ph_rkey=$(sed -n 's/^ready .*rkey=\(0x[0-9a-f]*\)$/\1/p' "$ph_name.out")
}

ph_cmd() { echo "$*" >&7; }
ph_stop() { echo quit >&7 2>/dev/null; exec 7>&-; wait "$ph_pid"; }

# pm_wait_for FILE REGEX [SECONDS]: until a line of FILE matches
pm_wait_for() {
	_n=$(( ${3:-10} * 10 ))
	_i=0
	until grep -Eq -- "$2" "$1" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt $_n ] || return 1
		sleep 0.1
	done
}

# pm_retry SECONDS CMD...: run CMD until it succeeds
pm_retry() {
	_n=$(( $1 * 20 ))
	shift
	_i=0
	until "$@" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt $_n ] || return 1
		sleep 0.05
	done
}

# A failed check shows pinmgr's log at the end of the case.
pm_failed=
not_ok() { pm_failed=1; _tap_n=$((_tap_n + 1)); echo "not ok $_tap_n - $*"; }

pm_cleanup() {
	[ -n "${ph_pid:-}" ] && kill "$ph_pid" 2>/dev/null
	pm_stop >/dev/null 2>&1
	[ -z "$pm_failed" ] || [ ! -s "$PM_RUN/pinmgr.log" ] ||
		diag "pinmgr's log: $(tail -n 60 "$PM_RUN/pinmgr.log")"
	rm -rf "$PM_RUN"
}
trap pm_cleanup EXIT
