#!/usr/bin/env bash
# Builds the Debian 12 root that every container host boots (systemd-nspawn --boot), with
# the packages of packages.txt, from the Debian mirror apt is set up with. The root is cached
# outside the clone, keyed by a digest of the package list: an unchanged list reuses it, a
# changed one builds a new root (and removes the old ones).
# Prints the root's path.
# Usage: rootfs.sh [CACHE_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/stellar-heads/containers}"
packages="$(grep -v '^#' "$here/packages.txt" | grep -v '^$' | sort | paste -sd, -)"
key="$(printf '%s\n' "$packages" "$(sha256sum "$here/rootfs.sh" | cut -c1-64)" | sha256sum | cut -c1-16)"
root="$cache/rootfs-$key"
mkdir -p "$cache"
# One build at a time: a second caller (CI starts the build early, in the background) waits
# for the first and then finds the root complete.
exec 9>"$cache/.lock"
flock 9
if [[ -f "$root/.complete" ]]; then echo "$root"; exit 0; fi

# The mirror apt uses (deb822 sources first, then a classic sources.list).
mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
[[ -n "$mirror" ]] || mirror="$(awk '$1 == "deb" && $0 ~ /bookworm/ {print $2; exit}' /etc/apt/sources.list)"
[[ -n "$mirror" ]] || { echo "rootfs: no Debian mirror in apt's sources" >&2; exit 1; }

rm -rf "$cache"/rootfs-* "$root.tmp"
echo "rootfs: building $root from $mirror (a few minutes)" >&2
# debootstrap's own resolver ignores virtual packages: it lays the base, apt adds the rest.
debootstrap --variant=minbase bookworm "$root.tmp" "$mirror" >&2 \
  || { tail -30 "$root.tmp/debootstrap/debootstrap.log" >&2 2>/dev/null; exit 1; }
# No service starts inside the chroot while packages are installed.
printf '#!/bin/sh\nexit 101\n' > "$root.tmp/usr/sbin/policy-rc.d"
chmod +x "$root.tmp/usr/sbin/policy-rc.d"
in_root() { chroot "$root.tmp" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
in_root apt-get update -qq >&2
# shellcheck disable=SC2086 # one package a word
in_root apt-get install -y -qq --no-install-recommends ${packages//,/ } >&2
rm "$root.tmp/usr/sbin/policy-rc.d"
# Services the image's packages enable that no scenario wants running at boot: each
# scenario enables what its host runs.
for unit in nginx postgresql pebble prometheus prometheus-node-exporter ssh ssh.socket \
  systemd-networkd-wait-online apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
  fstrim.timer man-db.timer dpkg-db-backup.timer logrotate.timer; do
  chroot "$root.tmp" systemctl disable "$unit" >/dev/null 2>&1 || true
done
chroot "$root.tmp" systemctl mask getty@tty1.service console-getty.service >/dev/null 2>&1 || true
# Debian's cluster is created by the scenario (as NixOS's postgresql module does at boot).
chroot "$root.tmp" pg_dropcluster 15 main >/dev/null 2>&1 || true
rm -f "$root.tmp/etc/hostname" "$root.tmp/etc/machine-id"
apt_clean_dirs=(var/cache/apt/archives var/lib/apt/lists)
for dir in "${apt_clean_dirs[@]}"; do find "$root.tmp/$dir" -type f -delete; done
touch "$root.tmp/.complete"
mv "$root.tmp" "$root"
echo "$root"
