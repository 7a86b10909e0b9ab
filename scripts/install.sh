#!/usr/bin/env bash
# Production install of voice-portal on the PBX (Debian 12 / Ubuntu with systemd), from a
# checkout of the repository:
#
#   sudo scripts/install.sh
#
# What it does, each step skipped when already done (running it again upgrades in place):
#   1. checks Node.js >= 20 (Debian 12's own nodejs is 18: see README, "Node.js 20 on Debian 12");
#   2. builds the checkout (npm ci, npm run build) unless --no-build;
#   3. copies the application to PREFIX (/opt/voice-portal) and installs its RUNTIME
#      dependencies only there (npm ci --omit=dev, with the lock file and its overrides);
#   4. puts voice-portal-admin on PATH (BIN_DIR, /usr/local/bin), reading ETC_DIR's env file;
#   5. creates the system user voice-portal (no shell, no home) unless --no-user;
#   6. creates ETC_DIR (/etc/voice-portal) with voice-portal.env from .env.example (mode 640,
#      root:voice-portal) when there is none: fill it in before the first start;
#   7. installs the systemd unit (deploy/systemd/voice-portal.service) unless --no-systemd.
# Prompts go to Asterisk separately: scripts/install-sounds.sh.
#
# Options: --prefix DIR, --bin-dir DIR, --etc-dir DIR, --unit-dir DIR (/etc/systemd/system),
# --no-build, --no-user, --no-systemd.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
prefix=/opt/voice-portal
bin_dir=/usr/local/bin
etc_dir=/etc/voice-portal
unit_dir=/etc/systemd/system
build=1 make_user=1 systemd=1

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?}; shift 2 ;;
    --bin-dir) bin_dir=${2:?}; shift 2 ;;
    --etc-dir) etc_dir=${2:?}; shift 2 ;;
    --unit-dir) unit_dir=${2:?}; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-user) make_user=0; shift ;;
    --no-systemd) systemd=0; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "install: $*"; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "install: Node.js 20 or later is needed (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "install: Debian 12's nodejs package is 18; see README, \"Node.js 20 on Debian 12\"." >&2
  exit 1
fi

if [ "$build" = 1 ]; then
  say "building $src"
  (cd "$src" && npm ci --no-audit --no-fund && npm run build)
fi
[ -f "$src/dist/src/main.js" ] || { echo "install: $src/dist is missing: build first (npm ci && npm run build)" >&2; exit 1; }

say "installing the application in $prefix"
install -d -m 755 "$prefix"
# Replace the code, keep nothing stale (a removed module must not linger).
rm -rf "$prefix/dist"
cp -R "$src/dist" "$prefix/dist"
for item in package.json package-lock.json README.md .env.example sounds asterisk-conf deploy docs; do
  [ -e "$src/$item" ] || continue
  rm -rf "${prefix:?}/$item"
  cp -R "$src/$item" "$prefix/$item"
done
install -d -m 755 "$prefix/scripts"
install -m 755 "$src/scripts/install-sounds.sh" "$prefix/scripts/install-sounds.sh"
(cd "$prefix" && npm ci --omit=dev --no-audit --no-fund --prefer-offline)
chmod 755 "$prefix/dist/src/main.js" "$prefix/dist/src/cli/main.js"

# A small wrapper rather than a link: the CLI then reads the service's env file by itself
# (an --env given on the command line comes later and wins).
install -d -m 755 "$bin_dir"
rm -f "$bin_dir/voice-portal-admin"
cat > "$bin_dir/voice-portal-admin" <<WRAPPER
#!/bin/sh
exec "$(command -v node)" "$prefix/dist/src/cli/main.js" --env "$etc_dir/voice-portal.env" "\$@"
WRAPPER
chmod 755 "$bin_dir/voice-portal-admin"
say "voice-portal-admin on PATH: $bin_dir/voice-portal-admin (reads $etc_dir/voice-portal.env)"

group=root
if [ "$make_user" = 1 ]; then
  if ! id voice-portal >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin voice-portal
    say "created the system user voice-portal"
  fi
  group=voice-portal
fi

install -d -m 750 -g "$group" "$etc_dir"
if [ ! -e "$etc_dir/voice-portal.env" ]; then
  install -m 640 -g "$group" "$src/.env.example" "$etc_dir/voice-portal.env"
  say "wrote $etc_dir/voice-portal.env from .env.example: set ARI_PASSWORD, REDIS_URL and PIN_PEPPER in it"
else
  say "kept $etc_dir/voice-portal.env"
fi

if [ "$systemd" = 1 ]; then
  install -d -m 755 "$unit_dir"
  sed -e "s#/opt/voice-portal#$prefix#g" -e "s#/etc/voice-portal#$etc_dir#g" \
    "$src/deploy/systemd/voice-portal.service" > "$unit_dir/voice-portal.service"
  chmod 644 "$unit_dir/voice-portal.service"
  say "installed $unit_dir/voice-portal.service"
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    say "next: edit $etc_dir/voice-portal.env, then: systemctl enable --now voice-portal"
  fi
fi
say "done"
