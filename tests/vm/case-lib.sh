# TAP helpers for VM cases (POSIX sh).  A case sources this file:
#   . "$FILEPIN_TOP/tests/vm/case-lib.sh"
# The guest sets FILEPIN_TOP, FILEPIN_BUILD, FILEPIN_KDIR (the booted
# kernel's directory), FILEPIN_FS and FILEPIN_MNT (empty for cases that use
# no file system) and FILEPIN_DIR, a fresh directory for this run on the DAX
# mount (or in /tmp); the case starts in it.

_tap_n=0

# plan N: the number of checks this case makes.
plan() { echo "1..$1"; }

# skip_all REASON: the case cannot run here; say why and stop.
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# bail REASON: stop at once; the case fails.
bail() { echo "Bail out! $*"; exit 1; }

diag() { echo "$*" | sed 's/^/# /'; }

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); echo "not ok $_tap_n - $*"; }

# check DESC CMD...: passes when CMD succeeds; its output is shown on failure.
check() {
	_d=$1
	shift
	if _out=$("$@" 2>&1); then
		ok "$_d"
	else
		not_ok "$_d"
		diag "command: $*"
		diag "$_out"
	fi
}

# is GOT WANT DESC: passes when the two strings are equal.
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "got:  '$1'"
		diag "want: '$2'"
	fi
}

# like TEXT REGEX DESC: passes when TEXT matches the extended regex.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok "$3"
	else
		not_ok "$3"
		diag "text: $1"
		diag "does not match: $2"
	fi
}

# wait_port PORT: wait (up to 20 s) until a TCP server listens on PORT.
wait_port() {
	_i=0
	while ! ss -Htln "sport = :$1" | grep -q .; do
		_i=$((_i + 1))
		[ $_i -lt 200 ] || return 1
		sleep 0.1
	done
}

# --- a pin holder: fp-pin in command mode, driven through a fifo ---------
# holder_start FP-PIN-ARGS...: start "fp-pin -c ARGS" in the background and
# wait until it has registered ("ready").  Returns 1 (and prints what it
# said) when it exits instead.  Its pid is in $holder_pid.  The number of
# answers already read is kept in holder.seen, not in a variable, so that
# holder_cmd works inside $(...).
holder_start() {
	rm -f holder.ctl holder.out
	mkfifo holder.ctl
	fp-pin -c "$@" <holder.ctl >holder.out 2>&1 &
	holder_pid=$!
	exec 8>holder.ctl
	_i=0
	until grep -q '^ready$' holder.out; do
		if ! kill -0 "$holder_pid" 2>/dev/null; then
			exec 8>&-
			wait "$holder_pid"
			diag "fp-pin exited: $(cat holder.out)"
			return 1
		fi
		_i=$((_i + 1))
		[ $_i -lt 300 ] || { diag "fp-pin did not get ready"; return 1; }
		sleep 0.1
	done
	echo 0 >holder.seen
}

# lease_hold KIND PATH OUT: fp-lease --hold KIND PATH in the background,
# its output in OUT, until lease_release; waits until the lease is held
# (returns 1 with OUT shown when it is not within 30 s).  The lease lives
# while this shell keeps fd 7 open: no sleeping process to wait out.
lease_hold() {
	rm -f lease.ctl
	mkfifo lease.ctl
	fp-lease --hold "$1" "$2" <lease.ctl >"$3" 2>&1 &
	lease_pid=$!
	exec 7>lease.ctl
	_i=0
	until grep -q held "$3"; do
		if ! kill -0 "$lease_pid" 2>/dev/null || [ $_i -ge 300 ]; then
			diag "fp-lease --hold $1 $2: $(cat "$3")"
			lease_release
			return 1
		fi
		_i=$((_i + 1))
		sleep 0.1
	done
}

# lease_release: end the lease_hold holder (end of its stdin) and reap it
lease_release() {
	exec 7>&-
	wait "$lease_pid" 2>/dev/null || :
	rm -f lease.ctl
}

# holder_cmd CMD [ARGS]: send one command and print its answer line
# ("ok CMD" or "fail CMD why"); "timeout" when none came within 20 s.
holder_cmd() {
	_seen=$(cat holder.seen)
	echo "$*" >&8
	_i=0
	while [ "$(grep -c '^\(ok\|fail\) ' holder.out)" -le "$_seen" ]; do
		_i=$((_i + 1))
		[ $_i -lt 200 ] || { echo timeout; return 1; }
		sleep 0.1
	done
	_seen=$((_seen + 1))
	echo "$_seen" >holder.seen
	grep '^\(ok\|fail\) ' holder.out | sed -n "${_seen}p"
}

# holder_stop: ask the holder to quit and wait for it.
holder_stop() {
	echo quit >&8 2>/dev/null
	exec 8>&-
	wait "$holder_pid"
}

# quick SECONDS CMD...: run CMD, failing it if it takes longer than
# SECONDS; prints its output (stderr too).  For "fails at once" checks.
quick() {
	_limit=$1
	shift
	timeout -k 1 "$_limit" "$@" 2>&1
}

# --- the spare pmem region (namespace2.0, 512 MiB) -----------------------
# spare_ns MODE: make namespace2.0 an fsdax or devdax namespace (4 KiB
# aligned); prints nothing, fails with ndctl's message.
spare_ns() {
	ndctl create-namespace --force --reconfig=namespace2.0 --mode="$1" \
		--align="${2:-4K}" >/tmp/spare-ns.json 2>&1 || { cat /tmp/spare-ns.json; return 1; }
}

# spare_mount FS DAX: a fresh FS (ext4 or xfs) on the spare fsdax namespace,
# mounted on /mnt/spare with -o dax=DAX (always or never).
spare_mount() {
	spare_ns fsdax || return 1
	mkdir -p /mnt/spare
	case $1 in
	ext4) mkfs.ext4 -q -F -b 4096 /dev/pmem2 ;;
	xfs) mkfs.xfs -q -f /dev/pmem2 ;;
	esac || return 1
	mount -o "dax=$2" /dev/pmem2 /mnt/spare && chmod 1777 /mnt/spare
}

# spare_mount_pmd FS: a fresh FS on a 2 MiB aligned spare fsdax namespace,
# laid out in 2 MiB stripes and mounted dax=always on /mnt/spare, so that
# 2 MiB aligned files can be mapped by PMDs.
spare_mount_pmd() {
	spare_ns fsdax 2M || return 1
	mkdir -p /mnt/spare
	case $1 in
	ext4) mkfs.ext4 -q -F -b 4096 -E stride=512,stripe_width=512 /dev/pmem2 ;;
	xfs) mkfs.xfs -q -f -d su=2m,sw=1,agcount=2 -l su=4k /dev/pmem2 ;;
	esac || return 1
	mount -o dax=always /dev/pmem2 /mnt/spare
}

# --- removal of the spare namespace (kernel rule 10) -----------------------
# spare_dev: the nd device that nd_pmem drives for /dev/pmem2 (pfn2.N for
# an fsdax namespace).
spare_dev() {
	basename "$(readlink -f /sys/block/pmem2/device)"
}

# spare_unbind_start DEV OUT: unbind DEV from nd_pmem in the background; the
# shell's exit status goes to OUT as "rc=N" when the write returns.  Its pid
# is in $unbind_pid.
spare_unbind_start() {
	( echo "$1" >/sys/bus/nd/drivers/nd_pmem/unbind; echo "rc=$?" ) >"$2" 2>&1 &
	unbind_pid=$!
}

# wait_until SECONDS CMD...: poll (every 0.2 s) until CMD succeeds; fails
# after SECONDS of wall-clock time.
wait_until() {
	_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.2
	done
}

# gone PID: true when process PID has exited: it no longer exists or is a
# zombie (a background job of the case's shell is one until the shell
# reaps it, which it may not do while it runs a command substitution).
gone() {
	_st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -z "$_st" ] || [ "$_st" = Z ]
}

# dump_blocked: show the blocked tasks and the CPUs in the kernel log (and
# so on the console), for a case that found a task stuck.
dump_blocked() {
	dmesg -n 8
	echo w >/proc/sysrq-trigger
	echo l >/proc/sysrq-trigger
}

# --- the peer guest (two-guest cases, "# vm-peer: yes"; see tests/vm/run) --
# FILEPIN_SELF_ADDR and FILEPIN_PEER_ADDR are this guest's and the other
# guest's address on the link (rxe0 runs on it); FILEPIN_SHARE is a
# directory both guests see (small files only: it is 9p through the host),
# emptied after every case.

# peer_ready: wait until the peer guest has booted (it boots alongside this
# one and may take longer); 1 when it failed or did not come up in 300 s.
peer_ready() {
	[ -d /run/results/peer ] || {
		echo "peer: this run has no peer guest (the case needs '# vm-peer: yes')" >&2
		return 1
	}
	_i=0
	until [ -e /run/results/peer/ready ]; do
		if [ -e /run/results/peer/setup.failed ]; then
			echo "peer: the peer guest's setup failed: $(cat /run/results/peer/setup.failed)" >&2
			return 1
		fi
		_i=$((_i + 1))
		[ $_i -lt 3000 ] || { echo "peer: the peer guest did not come up in 300 s" >&2; return 1; }
		sleep 0.1
	done
}

# peer_send TEXT: hand one command file to the peer; its number is in
# $peer_n (the numbers go on across cases: /run/filepin-peer.seq)
peer_send() {
	peer_n=$(($(cat /run/filepin-peer.seq 2>/dev/null || echo 0) + 1))
	echo "$peer_n" >/run/filepin-peer.seq
	printf '%s\n' "$1" >"/run/results/peer/cmd.$peer_n.tmp" &&
		mv "/run/results/peer/cmd.$peer_n.tmp" "/run/results/peer/cmd.$peer_n"
}

# peer_wait N SECONDS: until the peer has answered command N
peer_wait() {
	_i=0
	until [ -e "/run/results/peer/rc.$1" ]; do
		_i=$((_i + 1))
		[ $_i -lt $(($2 * 10)) ] || return 1
		sleep 0.1
	done
}

# peer CMD: run the shell command CMD (one string) on the peer guest, as
# root in a scratch directory (/tmp/peer there, kept until the case ends),
# with these helpers defined and the build's programs on PATH.  Prints its
# output (its stderr to stderr) and returns its exit status; 124 when it
# did not answer within FILEPIN_PEER_WAIT seconds (default 120), 125 when
# there is no peer.  One at a time: start what must run on in the
# background there ("prog >log 2>&1 &") and poll it with more commands.
peer() {
	peer_ready || return 125
	peer_send "$1" || return 125
	if ! peer_wait "$peer_n" "${FILEPIN_PEER_WAIT:-120}"; then
		echo "peer: no answer to command $peer_n within ${FILEPIN_PEER_WAIT:-120} s: $1" >&2
		return 124
	fi
	cat "/run/results/peer/out.$peer_n"
	cat "/run/results/peer/err.$peer_n" >&2
	return "$(cat "/run/results/peer/rc.$peer_n")"
}

# peer_reset: end what the last case left running on the peer (the harness
# calls it after every case of a two-guest run).
peer_reset() {
	[ -e /run/results/peer/ready ] || return 0
	peer_send "#reset" && peer_wait "$peer_n" 30
}
