#!/usr/bin/env bash
# Builds kamal-proxy from its Go module, pinned to the version Kamal 2.12 requires, into a cache
# directory this project owns, and prints the binary's path on its last line (docs/decisions/0605).
#
# Idempotent: when the binary is there and its embedded build info names the pinned module, version
# and checksum, nothing is built (a warm machine pays nothing). kamal-proxy v0.9.2 has no `version`
# command (`kamal-proxy version` is "unknown command"), so `go version -m` is what reads the version.
#
# The build is `go install github.com/basecamp/kamal-proxy/cmd/kamal-proxy@v0.9.2`. One narrow case:
# when the Go module proxy serves v0.9.2 but refuses the module's version list (`@v/list`, which
# `go install` reads only to look for a deprecation notice on the latest version), the script says so
# with go's exact error, downloads v0.9.2 from the proxy (checksum verified against sum.golang.org),
# and reruns the same `go install` with that one lookup answered from the module cache
# (`GOPROXY=file://$GOMODCACHE/cache/download,<proxy>`, as `go help goproxy` documents); dependencies
# still come from the proxy at the versions kamal-proxy's go.sum pins.
# Any other failure (the proxy refuses v0.9.2, cannot be reached, the build fails) exits non-zero
# with go's exact error: the bench then reports method (e) as not run, and never substitutes anything.
set -euo pipefail

VERSION="v0.9.2"
MODULE="github.com/basecamp/kamal-proxy"
PACKAGE="$MODULE/cmd/kamal-proxy"
# go.sum's h1 hash of the module at v0.9.2 (what sum.golang.org records; `go mod download -json` prints it).
MODULE_SUM="h1:rKyWDWG5MUPmGEECd93lyurVGmd5x7+ulgqzRgorMSM="
TOOLS_ROOT="${DO_BLUEGREEN_TOOLS_DIR:-/var/cache/do-bluegreen/tools}"
BIN_DIR="$TOOLS_ROOT/kamal-proxy-$VERSION"
BIN="$BIN_DIR/kamal-proxy"

is_pinned_build() {
  [ -x "$BIN" ] && command -v go >/dev/null 2>&1 &&
    go version -m "$BIN" 2>/dev/null | grep -qP "^\tmod\t${MODULE//./\\.}\t${VERSION//./\\.}\t\Q${MODULE_SUM}\E$"
}

if is_pinned_build; then
  echo "$BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-kamal-proxy: go is not installed (kamal-proxy $VERSION's go.mod asks for Go 1.25.5 or later)" >&2
  exit 3
fi

mkdir -p "$BIN_DIR"
# The module and build caches are the project's too: a cold build is cold, and nothing lands in ~/go.
# GOTOOLCHAIN=local: never download another Go toolchain behind the caller's back.
export GOBIN="$BIN_DIR" GOMODCACHE="$TOOLS_ROOT/go/mod" GOCACHE="$TOOLS_ROOT/go/build" GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modcacherw"
PROXY="$(go env GOPROXY)"

echo "install-kamal-proxy: go install $PACKAGE@$VERSION (GOPROXY=$PROXY) into $BIN_DIR" >&2
if ! out="$(go install "$PACKAGE@$VERSION" 2>&1)"; then
  if ! grep -qE "loading deprecation for ${MODULE//./\\.}: .*/@v/list: (403|404|410)" <<<"$out"; then
    echo "install-kamal-proxy: go install $PACKAGE@$VERSION failed:" >&2
    echo "$out" >&2
    exit 4
  fi
  echo "install-kamal-proxy: the module proxy refused kamal-proxy's version list, which go install reads only for a deprecation notice:" >&2
  echo "$out" >&2
  echo "install-kamal-proxy: downloading $MODULE@$VERSION from $PROXY, then go install with the version list answered from the module cache" >&2
  if ! out="$(go mod download -json "$MODULE@$VERSION" 2>&1)"; then
    echo "install-kamal-proxy: go mod download $MODULE@$VERSION failed:" >&2
    echo "$out" >&2
    exit 4
  fi
  if ! grep -qF "\"Sum\": \"$MODULE_SUM\"" <<<"$out"; then
    echo "install-kamal-proxy: $MODULE@$VERSION downloaded with a checksum other than $MODULE_SUM:" >&2
    echo "$out" >&2
    exit 5
  fi
  if ! out="$(GOPROXY="file://$GOMODCACHE/cache/download,$PROXY" go install "$PACKAGE@$VERSION" 2>&1)"; then
    echo "install-kamal-proxy: go install $PACKAGE@$VERSION failed:" >&2
    echo "$out" >&2
    exit 4
  fi
fi

if ! is_pinned_build; then
  echo "install-kamal-proxy: $BIN does not embed $MODULE $VERSION $MODULE_SUM:" >&2
  go version -m "$BIN" >&2 || true
  exit 5
fi
echo "$BIN"
