#!/usr/bin/env bash
# Installs the Debian packages the validators, the lab and the end-to-end tests run for real.
# Idempotent: packages already present are left alone, so a warm machine pays nothing.
set -euo pipefail

PACKAGES=(haproxy docker.io docker-registry openssh-server cloud-init busybox-static iproute2 iputils-arping socat apache2-utils procps psmisc openssl pebble certbot)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# Root installs directly (many fresh servers and containers have no sudo at all); anyone else is raised with sudo.
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -- bash "$0" "$@"
  fi
  echo "install-debian-packages: missing ${missing[*]}; run this script as root to install them (there is no sudo here)" >&2
  exit 2
fi
echo "install-debian-packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Services must not start on their own: the lab starts its own copies inside network namespaces.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
