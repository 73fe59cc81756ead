# Kernel rule 7: /proc/<pid>/file_pins, field by field, with a path that
# needs escaping; PTRACE_MODE_READ keeps it from unrelated users.
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
plan 11

mkdir "dir with space"
f="dir with space/my	file"
head -c 4M /dev/urandom >"$f"
holder_start -L exclusive -o 1M -l 2M "$f" || bail "could not pin the file"
pid=$holder_pid
pins=$(cat /proc/$pid/file_pins)
is "$(printf '%s\n' "$pins" | wc -l)" 1 "one line for one pinned range"
set -f
# shellcheck disable=SC2086
set -- $pins
set +f
is "$#" 7 "seven fields separated by single spaces"
uverbs_fd=$(for l in /proc/$pid/fd/*; do
	[ "$(readlink "$l")" = /dev/infiniband/uverbs0 ] && basename "$l"
done | head -n 1)
is "$1" "fd:$uverbs_fd" "owner is the uverbs fd"
is "$2" /dev/infiniband/uverbs0 "owner path"
is "$3" "$(stat -c '%Hd:%Ld' "$f")" "maj:min of the file's device"
is "$4" "$(stat -c %i "$f")" "inode number"
is "$5" "256-767" "first-last page of the pinned range (1 MiB at 1 MiB)"
is "$6" 512 "page count"
esc=$(printf '%s' "$FILEPIN_DIR/$f" | sed -e 's/\\/\\134/g' -e 's/ /\\040/g' -e "s/$(printf '\t')/\\\\011/g")
is "$7" "$esc" "path, escaped as in mountinfo"
is "$(setpriv --reuid=65534 --regid=65534 --clear-groups cat /proc/$pid/file_pins 2>&1 >/dev/null | sed 's/.*: //')" \
	"Permission denied" "an unrelated unprivileged user cannot read it"
is "$(cat /proc/self/file_pins | wc -c)" 0 "a process without pins has an empty file"
holder_stop
