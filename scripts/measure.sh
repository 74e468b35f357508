# Sourced by the bench scripts: `measure CMD...` runs a command with its output in $WORK/out and
# $WORK/err and prints its wall seconds and peak resident MB (GNU time): "SECONDS MB".
measure() {
  local start end
  start=$(date +%s%N)
  /usr/bin/time -f "%M" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || {
    cat "$WORK/err" >&2
    return 1
  }
  end=$(date +%s%N)
  awk -v ns=$((end - start)) '{ printf "%.3f %.0f", ns / 1e9, $1 / 1024 }' "$WORK/time"
}
