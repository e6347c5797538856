#!/usr/bin/env bash
# Builds a local stand-in for the official Node image where no registry can be reached:
# a Debian bookworm root file system (mmdebstrap, the `apt` variant: dpkg, apt, bash,
# coreutils, passwd) with this machine's node and npm in /usr/local, imported into podman.
# Usage: .ci/node-base.sh <image name>
set -euo pipefail
image=${1:?usage: node-base.sh <image name>}
work=$(mktemp -d /tmp/peerbot-node-base.XXXXXX)
trap 'rm -rf "$work"' EXIT

node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(readlink -f "$(dirname "$(readlink -f "$(command -v npm)")")/..")
mirror=${PEERBOT_DEBIAN_MIRROR:-http://deb.debian.org/debian}

mmdebstrap --quiet --variant=apt --mode=root --format=tar \
  --include=ca-certificates bookworm "$work/rootfs.tar" "$mirror"

# node and npm where the official image keeps them.
mkdir -p "$work/add/usr/local/bin" "$work/add/usr/local/lib/node_modules"
cp "$node_bin" "$work/add/usr/local/bin/node"
cp -a "$npm_dir" "$work/add/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/add/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/add/usr/local/bin/npx"
tar --append -f "$work/rootfs.tar" -C "$work/add" ./usr/local/bin/node ./usr/local/bin/npm \
  ./usr/local/bin/npx ./usr/local/lib/node_modules

podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  "$work/rootfs.tar" "$image" >/dev/null
echo "built $image ($(podman run --rm "$image" node --version), npm $(podman run --rm "$image" npm --version))"
