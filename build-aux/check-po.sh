#!/bin/sh
# Fails unless every translation listed in po/LINGUAS is complete and current:
#  - msgfmt --check accepts it (formats, plural forms, header) and reports no fuzzy and no
#    untranslated message;
#  - merged with a template extracted now from po/POTFILES.in, it still has no fuzzy or
#    untranslated message, so adding or changing a string (or its plural) without
#    translating it fails here.
# The xgettext options are those of meson's i18n.gettext(preset: 'glib') (po/meson.build).
set -eu
top=${1:-$(dirname "$0")/..}
cd "$top"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

xgettext --package-name=keepsake --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format \
  -D . -f po/POTFILES.in -o "$tmp/keepsake.pot" 2>"$tmp/xgettext.log" || {
  cat "$tmp/xgettext.log" >&2
  exit 1
}

status=0
languages=$(grep -v '^#' po/LINGUAS | sed '/^$/d')
if [ -z "$languages" ]; then
  echo "po/LINGUAS lists no language" >&2
  exit 1
fi
for lang in $languages; do
  po=po/$lang.po
  if ! msgfmt --check --statistics -o /dev/null "$po" 2>"$tmp/stats"; then
    cat "$tmp/stats" >&2
    echo "$po: msgfmt --check failed" >&2
    status=1
    continue
  fi
  stats=$(cat "$tmp/stats")
  echo "$po: $stats"
  case $stats in
    *fuzzy*|*untranslated*)
      echo "$po is not fully translated: $stats" >&2
      status=1
      ;;
  esac
  # Merged with the current template, every message must still be translated and not fuzzy:
  # a new or changed msgid comes out untranslated, a msgid that gained a plural fuzzy.
  msgmerge --quiet --no-fuzzy-matching -o "$tmp/merged.po" "$po" "$tmp/keepsake.pot"
  merged=$(msgfmt --check --statistics -o /dev/null "$tmp/merged.po" 2>&1) || true
  case $merged in
    *fuzzy*|*untranslated*|*error*)
      echo "$po does not match the current sources ($merged); run ninja keepsake-update-po, then translate:" >&2
      msgattrib --only-fuzzy --no-obsolete "$tmp/merged.po" | grep -E '^msg(id|ctxt)' | grep -v '^msgid ""$' | head -20 >&2
      msgattrib --untranslated --no-obsolete "$tmp/merged.po" | grep -E '^msg(id|ctxt)' | grep -v '^msgid ""$' | head -20 >&2
      status=1
      ;;
  esac
done
exit $status
