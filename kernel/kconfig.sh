# Sourced by kernel/build-kernel and kernel/check-series: the one way the
# filepin kernel is configured.

# kconfig_make SRC OBJ FRAGMENT...: tinyconfig + the fragments, in OBJ.
kconfig_make() {
	_src=$1 _obj=$2
	shift 2
	make -s -C "$_src" O="$_obj" ARCH=x86_64 tinyconfig >/dev/null
	KCONFIG_CONFIG="$_obj/.config" "$_src/scripts/kconfig/merge_config.sh" \
		-m -O "$_obj" "$_obj/.config" "$@" >"$_obj/merge.log" 2>&1 ||
		{ cat "$_obj/merge.log" >&2; return 1; }
	make -s -C "$_src" O="$_obj" ARCH=x86_64 olddefconfig >/dev/null
}
