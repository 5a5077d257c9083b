#!/usr/bin/env bash
# Shared by scripts/run and scripts/test: install what a fresh Debian 12 machine lacks, then
# configure and build one preset. Source it; it defines setup_build PRESET.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Debian packages the build and the tests need. Boost comes from libboost1.81-dev: 1.74's Asio does
# not compile under C++20, and 1.81 conflicts with libboost-dev, which must never be installed.
debian_packages=(
  build-essential cmake ninja-build pkg-config python3
  libboost1.81-dev libspdlog-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libstemmer-dev libutf8proc-dev zlib1g-dev libsimdjson-dev
  libsqlite3-dev libpq-dev postgresql
  chromium
  clang-14 libclang-rt-14-dev llvm-14  # scripts/fuzz: libFuzzer and llvm-symbolizer
)

install_missing_packages() {
  local missing=()
  for p in "${debian_packages[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

# Node and npm for the browser tests (tests/web), from Debian only when missing: a machine may already
# have a Node that brings its own npm, which Debian's npm package would conflict with.
node_packages() {
  command -v node >/dev/null 2>&1 || echo nodejs
  command -v npm >/dev/null 2>&1 || echo npm
}

# The browser tests' npm packages (playwright-core, axe-core, pinned by tests/web/package-lock.json),
# installed again only when the lock file has changed since the last install.
install_web_test_packages() {
  local dir="$root/tests/web" stamp="$root/tests/web/node_modules/.installed-lock.json"
  [ -f "$dir/package-lock.json" ] || return 0
  cmp -s "$dir/package-lock.json" "$stamp" && return 0
  echo "setup: installing the browser tests' npm packages" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$dir/package-lock.json" "$stamp"
}

# setup_build PRESET [TARGET...]: configure (once) and build the preset (only TARGETs if given).
setup_build() {
  local preset=$1
  shift
  # shellcheck disable=SC2046 # node_packages prints zero to two package names
  install_missing_packages $(node_packages)
  install_web_test_packages
  cd "$root"
  if [ ! -f "build/$preset/CMakeCache.txt" ]; then
    cmake --preset "$preset" >&2
  fi
  cmake --build --preset "$preset" -j "$(nproc)" ${1:+--target "$@"} >&2
}
