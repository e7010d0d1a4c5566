# Sourced by the scripts that cache guest images in the build tree.

# newer_than RESULT INPUT...: true when RESULT exists and is newer than all inputs.
newer_than() {
  local result=$1 f
  shift
  [ -e "$result" ] || return 1
  for f in "$@"; do
    [ "$result" -nt "$f" ] || return 1
  done
}
