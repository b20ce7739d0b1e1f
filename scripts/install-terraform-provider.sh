#!/usr/bin/env bash
# Installs the DigitalOcean Terraform provider that @cdktf/provider-digitalocean 13.14.1 binds (2.71.0)
# into a Terraform filesystem mirror this project owns, writes a CLI configuration that selects that
# mirror for registry.terraform.io/digitalocean/digitalocean only, and prints the configuration's path
# on its last line (use it as TF_CLI_CONFIG_FILE). docs/decisions/0510.
#
#   export TF_CLI_CONFIG_FILE="$(bash scripts/install-terraform-provider.sh | tail -n 1)"
#
# Order:
#   1. Terraform 1.11.x must be on PATH (the machine image has 1.11.4; CI's infrastructure jobs download it
#      pinned by SHA-256, decision 0303). Without it the script exits 3 and names the fix: it does not
#      fetch Terraform itself.
#   2. Warm: the mirror's binary is there and `go version -m` names the provider module at the pinned
#      pseudo-version (or the registry's zip was unpacked there, recorded in .source): nothing is fetched or built.
#   3. The registry: `terraform providers mirror` for digitalocean/digitalocean 2.71.0, bounded by
#      DO_BLUEGREEN_REGISTRY_TIMEOUT seconds (default 20). On a machine without the Terraform registry this
#      fails at once (the name does not resolve) and the script says so in one line.
#      DO_BLUEGREEN_PROVIDER_SOURCE=go skips this step, =registry forbids the build below.
#   4. The build from the Go module github.com/digitalocean/terraform-provider-digitalocean at commit 2b56f19…
#      (the commit tag v2.71.0 points to: the module path has no /v2 suffix, so `@v2.71.0` is refused by go),
#      with GOMODCACHE and GOCACHE under /var/cache/do-bluegreen/tools and GOTOOLCHAIN=local, as
#      scripts/install-kamal-proxy.sh does. `go install …@2b56f19…` itself cannot build it (the module's go.mod
#      has a replace directive), so the script downloads the module and builds it in a wrapper module (below).
#      If the module proxy refuses the module or a dependency, the script exits 4 with go's exact error: it
#      never writes a substitute provider.
set -euo pipefail

VERSION="2.71.0"
COMMIT="2b56f1915857f4fe2e41a234b4809210a2da381f"
MODULE="github.com/digitalocean/terraform-provider-digitalocean"
# The pseudo-version go gives that commit: v1.23.0 is the newest v1 tag behind it (v2.x tags do not count for a
# module path without /v2) and its commit time is 2025-12-08 10:13:08 UTC. go checks the module's h1 sum against
# GOSUMDB when it downloads it.
PSEUDO_VERSION="v1.23.1-0.20251208101308-2b56f1915857"
TERRAFORM_SERIES="1.11"
TOOLS_ROOT="${DO_BLUEGREEN_TOOLS_DIR:-/var/cache/do-bluegreen/tools}"
BUILD_DIR="$TOOLS_ROOT/terraform-provider-digitalocean-v$VERSION"
MIRROR="$TOOLS_ROOT/terraform-mirror"
PLATFORM="linux_amd64"
PROVIDER_DIR="$MIRROR/registry.terraform.io/digitalocean/digitalocean/$VERSION/$PLATFORM"
PROVIDER_BIN="$PROVIDER_DIR/terraform-provider-digitalocean_v$VERSION"
CLI_CONFIG="$TOOLS_ROOT/terraform-digitalocean-mirror.tfrc"
SOURCE_FILE="$PROVIDER_DIR/.source"
SOURCE="${DO_BLUEGREEN_PROVIDER_SOURCE:-registry-then-go}"

say() { echo "install-terraform-provider: $*" >&2; }

case "$SOURCE" in
  registry-then-go | registry | go) ;;
  *) say "DO_BLUEGREEN_PROVIDER_SOURCE=$SOURCE is not one of registry-then-go, registry, go"; exit 2 ;;
esac

check_terraform() {
  if ! command -v terraform >/dev/null 2>&1; then
    say "terraform is not on PATH; this project needs Terraform $TERRAFORM_SERIES.x (1.11.4 on its machines)."
    say "fix: install terraform_1.11.4_linux_amd64.zip checked against TERRAFORM_SHA256 as .gitlab-ci.yml's deploy jobs do (docs/decisions/0303), or put a 1.11.x binary on PATH"
    exit 3
  fi
  local version
  version="$(terraform version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p' | head -n 1)"
  case "$version" in
    "$TERRAFORM_SERIES".*) ;;
    *)
      say "terraform $version found at $(command -v terraform); this project needs $TERRAFORM_SERIES.x (docs/decisions/0303)"
      exit 3
      ;;
  esac
}

write_cli_config() {
  mkdir -p "$(dirname "$CLI_CONFIG")"
  local tmp="$CLI_CONFIG.$$"
  cat >"$tmp" <<EOF
# Written by scripts/install-terraform-provider.sh (docs/decisions/0510): the DigitalOcean provider
# comes from this project's filesystem mirror, every other provider from its origin registry.
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/digitalocean/digitalocean"]
  }
  direct {
    exclude = ["registry.terraform.io/digitalocean/digitalocean"]
  }
}
EOF
  mv -f "$tmp" "$CLI_CONFIG"
}

is_pinned_build() {
  [ -x "$PROVIDER_BIN" ] && command -v go >/dev/null 2>&1 &&
    go version -m "$PROVIDER_BIN" 2>/dev/null |
    grep -qP "^\tdep\t\Q${MODULE}\E\t\Q${PSEUDO_VERSION}\E\th1:"
}

is_registry_copy() {
  [ -x "$PROVIDER_BIN" ] && [ -f "$SOURCE_FILE" ] && grep -qx "registry $VERSION" "$SOURCE_FILE"
}

finish() {
  write_cli_config
  echo "$CLI_CONFIG"
  exit 0
}

check_terraform

if is_pinned_build || is_registry_copy; then
  finish
fi

# --- 3. the registry ------------------------------------------------------------------------------------
from_registry() {
  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  cat >"$work/main.tf" <<EOF
terraform {
  required_providers {
    digitalocean = { source = "digitalocean/digitalocean", version = "= $VERSION" }
  }
}
EOF
  local out
  if ! out="$(cd "$work" && TF_CLI_CONFIG_FILE=/dev/null timeout "${DO_BLUEGREEN_REGISTRY_TIMEOUT:-20}" \
    terraform providers mirror -no-color -platform="$PLATFORM" "$work/mirror" 2>&1)"; then
    say "the Terraform registry did not serve digitalocean/digitalocean $VERSION: $(tr '\n' ' ' <<<"$out" | sed 's/  */ /g' | cut -c1-300)"
    return 1
  fi
  local zip
  zip="$(find "$work/mirror" -name "terraform-provider-digitalocean_${VERSION}_${PLATFORM}.zip" | head -n 1)"
  [ -n "$zip" ] || { say "terraform providers mirror wrote no $PLATFORM zip"; return 1; }
  mkdir -p "$PROVIDER_DIR"
  rm -f "$PROVIDER_DIR"/terraform-provider-digitalocean*
  # python3 is there wherever cloud-init is (scripts/install-debian-packages.sh); unzip may not be.
  python3 -m zipfile -e "$zip" "$PROVIDER_DIR"
  local unpacked
  unpacked="$(find "$PROVIDER_DIR" -maxdepth 1 -name 'terraform-provider-digitalocean*' -type f | head -n 1)"
  [ "$unpacked" = "$PROVIDER_BIN" ] || mv -f "$unpacked" "$PROVIDER_BIN"
  chmod 0755 "$PROVIDER_BIN"
  echo "registry $VERSION" >"$SOURCE_FILE"
  say "digitalocean/digitalocean $VERSION from the registry (checksums verified by terraform) into $PROVIDER_DIR"
}

if [ "$SOURCE" != go ]; then
  if from_registry; then finish; fi
  if [ "$SOURCE" = registry ]; then exit 4; fi
fi

# --- 4. the build from the Go module -----------------------------------------------------------------------
if ! command -v go >/dev/null 2>&1; then
  say "go is not installed, and the registry did not answer: no way to get digitalocean/digitalocean $VERSION"
  exit 3
fi

mkdir -p "$BUILD_DIR" "$PROVIDER_DIR"
export GOMODCACHE="$TOOLS_ROOT/go/mod" GOCACHE="$TOOLS_ROOT/go/build" GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modcacherw"
PROXY="$(go env GOPROXY)"
started=$(date +%s)

# go resolves the commit to its pseudo-version through the proxy and checks the module's sum against GOSUMDB.
say "go mod download $MODULE@$COMMIT (tag v$VERSION; GOPROXY=$PROXY)"
if ! out="$(go mod download -json "$MODULE@$COMMIT" 2>&1)" || grep -q '"Error"' <<<"$out"; then
  say "the Go module proxy did not serve $MODULE@$COMMIT; exact error:"
  echo "$out" >&2
  say "no provider was installed (a substitute is never built: docs/decisions/0510)"
  exit 4
fi
if ! grep -qF "\"Version\": \"$PSEUDO_VERSION\"" <<<"$out"; then
  say "$MODULE@$COMMIT resolved to a version other than $PSEUDO_VERSION:"
  echo "$out" >&2
  exit 5
fi

# `go install $MODULE@$COMMIT` cannot build this module: its go.mod has a replace directive
# (git.apache.org/thrift.git), and `go install pkg@version` rejects every module that has one. So the build runs
# in a wrapper module that requires the provider at the pinned version and repeats that one replace: the build
# list is the one the provider's own go.mod selects, and `go version -m` records the provider with its version.
WRAPPER="$BUILD_DIR/wrapper"
mkdir -p "$WRAPPER"
cat >"$WRAPPER/go.mod" <<EOF
module do-bluegreen.invalid/terraform-provider-digitalocean-build

go 1.23.0

require $MODULE $PSEUDO_VERSION

replace git.apache.org/thrift.git => github.com/apache/thrift v0.0.0-20180902110319-2566ecd5d999
EOF
printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$MODULE" >"$WRAPPER/tools.go"
say "go build $MODULE at $PSEUDO_VERSION into $PROVIDER_BIN"
if ! out="$(cd "$WRAPPER" && go mod tidy 2>&1 && go build -trimpath -o "$PROVIDER_BIN.tmp" "$MODULE" 2>&1)"; then
  say "the build of $MODULE@$PSEUDO_VERSION failed; exact error:"
  echo "$out" >&2
  rm -f "$PROVIDER_BIN.tmp"
  exit 4
fi
mv -f "$PROVIDER_BIN.tmp" "$PROVIDER_BIN"
echo "go $MODULE $PSEUDO_VERSION" >"$SOURCE_FILE"

if ! is_pinned_build; then
  say "$PROVIDER_BIN does not embed $MODULE $PSEUDO_VERSION:"
  go version -m "$PROVIDER_BIN" | grep -P '^\t(path|mod|dep)\t' | head -n 5 >&2 || true
  exit 5
fi
say "built in $(($(date +%s) - started)) s: $PROVIDER_BIN"
finish
