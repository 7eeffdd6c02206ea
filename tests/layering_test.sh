#!/usr/bin/env bash
# The layers, as a build fact: every #include "..." in a layer points to its own
# folder or one below it (src, relay -> statesync -> transport -> proto), the generic
# state sync never names the screen, the screen stands on proto alone, and the
# joiner's files include no server header (only relay/ssh/handles.h, libssh's RAII).
# usage: layering_test.sh SOURCE_ROOT
set -euo pipefail
cd "${1:?usage: layering_test.sh SOURCE_ROOT}"

# layer -> the folders its includes may name (its own first).
declare -A allowed=(
  [proto]="proto"
  [transport]="transport proto"
  [statesync/screen]="statesync/screen proto"
  [statesync]="statesync transport proto"
  [relay]="relay statesync transport proto"
  [src]="src relay statesync transport proto"
)
# The joiner and what it shares with the host: no server headers.
joiner_files="src/cmd_join.cc src/bootstrap_client.h src/bootstrap_client.cc src/screen_view.h src/screen_view.cc
  src/local_terminal.h src/local_terminal.cc"

bad=0
check() {  # FILE LAYER
  local file=$1 layer=$2 inc ok dir
  while IFS= read -r inc; do
    ok=0
    for dir in ${allowed[$layer]}; do
      # A file of statesync/ may name statesync/screen/ only if it is in it.
      if [[ $inc == "$dir"/* ]]; then
        if [[ $layer == statesync && $inc == statesync/screen/* ]]; then break; fi
        ok=1
        break
      fi
    done
    if [[ $ok == 0 ]]; then
      echo "layering: $file includes \"$inc\", above or beside its layer ($layer)"
      bad=1
    fi
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
}

for f in $(find proto transport statesync relay src -name '*.h' -o -name '*.cc' | sort); do
  case $f in
    statesync/screen/*) check "$f" statesync/screen ;;
    statesync/*) check "$f" statesync ;;
    proto/*) check "$f" proto ;;
    transport/*) check "$f" transport ;;
    relay/*) check "$f" relay ;;
    src/*) check "$f" src ;;
  esac
done

for f in $joiner_files; do
  while IFS= read -r inc; do
    if [[ $inc == relay/* && $inc != relay/ssh/handles.h ]]; then
      echo "layering: $f (the joiner) includes the server header \"$inc\""
      bad=1
    fi
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done

if [[ $bad == 0 ]]; then echo "layering: every include points down"; fi
exit $bad
