#!/bin/sh
# Fails when a file with translatable strings is missing from po/POTFILES.in,
# or when POTFILES.in names a file that does not exist.
set -eu
top=${1:-$(dirname "$0")/..}
cd "$top"

status=0
listed=$(grep -v '^#' po/POTFILES.in | sed '/^$/d')

for f in $listed; do
  if [ ! -f "$f" ]; then
    echo "po/POTFILES.in lists $f, which does not exist" >&2
    status=1
  fi
done

# C files using _(), N_(), C_(), NC_() or g_dgettext; .ui files with translatable="yes";
# desktop, metainfo and schema sources.
candidates=$(
  { grep -rlE '(^|[^A-Za-z0-9_])(N?C?_|g_dgettext|g_dngettext|ngettext) ?\(' --include='*.c' src 2>/dev/null || true
    grep -rl 'translatable="yes"' --include='*.ui' src 2>/dev/null || true
    ls data/*.desktop.in.in data/*.metainfo.xml.in.in data/*.gschema.xml.in 2>/dev/null || true
  } | sort -u
)

for f in $candidates; do
  if ! printf '%s\n' "$listed" | grep -qxF "$f"; then
    echo "$f has translatable strings but is missing from po/POTFILES.in" >&2
    status=1
  fi
done

if [ "$status" -eq 0 ]; then
  echo "POTFILES.in is complete ($(printf '%s\n' "$listed" | wc -l) files)"
fi
exit "$status"
