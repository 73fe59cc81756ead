# Kernel rule 2 (issue 9 hole 5): a lease allows pins through its open file
# description, not through the pid that took it.  A forked child sharing
# the leased description may pin; a process that passed its only fd of it
# away may not, the receiver may; a process that gets the lease taker's
# pid again (clone3 set_tid; ns_last_pid needs CONFIG_CHECKPOINT_RESTORE)
# gains nothing.  Pins through the debugfs hook.
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
[ -e /sys/kernel/debug/file_pins_test ] || skip_all "no /sys/kernel/debug/file_pins_test"
plan 3

: >f
is "$(fp-hole owner-fork f)" "lease taker: ok
forked child: ok" "fork: the lease taker and a child sharing the description may pin"
: >g
is "$(fp-hole owner-pass g)" "receiver: ok
sender after passing its fd: errno=EPERM" \
	"SCM_RIGHTS: the receiver may pin, the sender that closed its fd may not"
: >h
is "$(fp-hole owner-reuse h)" "process with the lease taker's pid: errno=EPERM" \
	"a process with the lease taker's recycled pid may not pin"
