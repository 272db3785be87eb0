# Sourced by the build scripts: the first line of a size report. Reproducible builds (Nix sets
# SOURCE_DATE_EPOCH) get no clock time in their output.
build_started=$SECONDS
build_stamp() {
  if [[ -n "${SOURCE_DATE_EPOCH:-}" ]]; then
    echo "reproducible build"
  else
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $((SECONDS - build_started)) s"
  fi
}
