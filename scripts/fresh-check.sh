#!/usr/bin/env bash
# Runs the whole of .ci/run on a bare machine: a throwaway Debian root made by
# debootstrap from Debian's packages alone, holding only what a new machine of ours
# comes with (Node.js and npm, python3, make, g++, git), and none of what the tests need
# on top (chromium, redis-server, haproxy). If .ci/run ever runs a test before it
# installs what that test spawns, this fails where CI on a fresh machine would.
#
#   bash scripts/fresh-check.sh            # the committed HEAD, cloned into the root
#   FRESH_ROOT_CACHE=/var/tmp/fresh bash scripts/fresh-check.sh
#
# Needs root, debootstrap (installed here if missing) and unshare; no Docker. The base
# root (about 200 MB, one minute) is cached in FRESH_ROOT_CACHE and copied afresh for
# each run, so no install of one run is seen by the next. Every process of the run lives
# in its own PID namespace and ends with it; the mounts are private to it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${FRESH_ROOT_CACHE:-/var/tmp/github-issues-channel-fresh}
suite=${FRESH_SUITE:-bookworm}
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" -eq 0 ] || { echo "fresh-check: run as root (debootstrap and chroot need it)"; exit 2; }
if ! command -v debootstrap >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

base="$cache/base-$suite"
if [ ! -x "$base/usr/bin/apt-get" ]; then
  echo "fresh-check: making the base root in $base (debootstrap --variant=minbase $suite)"
  rm -rf "$base"
  mkdir -p "$cache"
  debootstrap --variant=minbase "$suite" "$base" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log"; exit 1; }
fi

work=$(mktemp -d "$cache/run.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/root"
echo "fresh-check: copying the base root to $root"
cp -a "$base" "$root"

# What a new machine of ours has besides Debian's base: the same Node.js and npm (copied
# from this machine, with npm's settings), and Debian's python3, make, g++ and git.
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The machine's own certificate authorities (a registry may be reached through a proxy
# that presents its own), installed into the root's store once ca-certificates is in.
mkdir -p "$root/usr/local/share/ca-certificates"
cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
mkdir -p "$root/usr/lib/node_modules" "$root/usr/include"
cp "$node_bin" "$root/usr/bin/node"
cp -a "$npm_dir" "$root/usr/lib/node_modules/npm"
[ -d /usr/include/node ] && cp -a /usr/include/node "$root/usr/include/node"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
[ -f /etc/npmrc ] && cp /etc/npmrc "$root/etc/npmrc"
[ -f "$HOME/.npmrc" ] && cp "$HOME/.npmrc" "$root/root/.npmrc"

# The clean clone CI makes: the committed HEAD, nothing of this work tree.
mkdir -p "$root/work"
git clone --quiet --no-hardlinks "$repo" "$root/work/main"
git -C "$root/work/main" checkout --quiet "$(git -C "$repo" rev-parse HEAD)"
[ -d "$repo/../shared" ] && cp -a "$repo/../shared" "$root/work/shared"

inner='set -e
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates git python3 make g++ procps >/dev/null
update-ca-certificates >/dev/null 2>&1
for b in chromium redis-server haproxy; do
  if command -v $b >/dev/null 2>&1 || [ -x /usr/sbin/$b ]; then echo "fresh-check: $b is present before .ci/run: the root is not bare"; exit 3; fi
done
echo "fresh-check: bare root ready: node $(node --version), npm $(npm --version); no chromium, redis-server or haproxy"
cd /work/main
CI=true bash .ci/run'

# The certificate settings of the machine's environment, which CI's run keeps too.
certs=()
for v in NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR; do [ -n "${!v:-}" ] && certs+=("$v=${!v}"); done
echo "fresh-check: running .ci/run inside the root (its own PID and mount namespaces)"
set +e
unshare --mount --pid --fork --propagation private bash -c '
  set -e
  root=$1; inner=$2; shift 2
  mount -t proc proc "$root/proc"
  mount -t sysfs sys "$root/sys"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs -o size=8g tmpfs "$root/dev/shm"
  mount -t tmpfs tmpfs "$root/tmp"
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@" /bin/bash -c "$inner"
' fresh-check "$root" "$inner" "${certs[@]}" 2>&1 | tee "$cache/last-run.log"
status=${PIPESTATUS[0]}
set -e
echo "fresh-check: .ci/run in a bare root exited $status (log: $cache/last-run.log)"
exit "$status"
