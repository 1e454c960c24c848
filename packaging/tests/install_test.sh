#!/usr/bin/env bash
# Installs the four packages from build/packages on THIS machine, proves they work, and takes
# them away again (issue 12: "a CI test installs them with dpkg -i ... then removes and purges
# them, starts pms-host from the installed files with the installed plugin, and gets
# GET /api/health with plugins_loaded: 1").
#
#   packaging/tests/install_test.sh [PACKAGE_DIR]      (root; scripts/package.sh --install-test)
#
# Steps: dpkg -i; the user, the data folder (0700), the options file (root:pms-host 0640);
# `pms-host user add` as the service user; pms-host started from the installed files through
# the unit's own ExecStart wrapper as the service user (with systemd as PID 1 through
# systemctl, otherwise directly, on a free port so that a demo on 8080 is not disturbed);
# /api/health with plugins_loaded 1; SIGTERM; dpkg --purge; nothing of ours left but the data
# folder and the user, which purge keeps on purpose (packaging/README.md) and this script then
# deletes because it made them.
#
# It refuses to run where pms-host is installed or the pms-host user exists: it must never
# touch a real installation.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${1:-$here/build/packages}"
pkgs=(pms-plugin-api-dev pms-host pms-invoicebox-plugin invoicebox-sim)

fail() { echo "install_test: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (dpkg -i)"
for p in "${pkgs[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "installed"; then
    fail "$p is already installed here; this test only runs on a machine without it"
  fi
done
getent passwd pms-host >/dev/null && fail "a pms-host user exists; not touching it"
[ -e /var/lib/pms-host ] && fail "/var/lib/pms-host exists; not touching it"
debs=()
for p in "${pkgs[@]}"; do
  f=$(ls "$dir/${p}_"*.deb 2>/dev/null | head -1)
  [ -n "$f" ] || fail "no ${p}_*.deb in $dir (run scripts/package.sh first)"
  debs+=("$f")
done

work=$(mktemp -d)
host_pid=
cleanup() {
  local status=$?
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null || true
  # Whatever happened, leave the machine as it was.
  dpkg --purge "${pkgs[@]}" >/dev/null 2>&1 || true
  rm -rf /var/lib/pms-host
  if getent passwd pms-host >/dev/null; then deluser --system --quiet pms-host >/dev/null 2>&1 || true; fi
  if getent group pms-host >/dev/null; then delgroup --system --quiet pms-host || true; fi
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT

echo "== install_test: dpkg -i ${debs[*]##*/}"
DEBIAN_FRONTEND=noninteractive dpkg -i "${debs[@]}"

echo "== install_test: files, user, modes"
for f in /usr/bin/pms-host /usr/bin/invoicebox-sim \
         /lib/systemd/system/pms-host.service /usr/share/pms-host/web/index.html \
         /usr/lib/pms/plugins/invoicebox/invoicebox_plugin.so \
         /usr/lib/pms/plugins/invoicebox/plugin.json \
         /usr/share/cmake/PmsPluginApi/PmsPluginApiConfig.cmake; do
  [ -e "$f" ] || fail "missing $f"
done
getent passwd pms-host >/dev/null || fail "no pms-host user"
[ "$(stat -c '%U:%G %a' /var/lib/pms-host)" = "pms-host:pms-host 700" ] ||
  fail "/var/lib/pms-host is $(stat -c '%U:%G %a' /var/lib/pms-host)"
[ "$(stat -c '%U:%G %a' /etc/pms-host/pms-host.conf)" = "root:pms-host 640" ] ||
  fail "pms-host.conf is $(stat -c '%U:%G %a' /etc/pms-host/pms-host.conf)"
dpkg-query -W -f='${Conffiles}' pms-host | grep -q /etc/pms-host/pms-host.conf ||
  fail "pms-host.conf is not a conffile"

echo "== install_test: pms-host user add (as the service user)"
printf 'install-test-password\ninstall-test-password\n' |
  runuser -u pms-host -- pms-host user add installtest --role admin --name "Install test" \
    --data /var/lib/pms-host
runuser -u pms-host -- pms-host user list --data /var/lib/pms-host | grep -q '^installtest' ||
  fail "user add did not add the user"
bad=$(find /var/lib/pms-host ! -user pms-host | head -1)
[ -z "$bad" ] || fail "$bad is not owned by pms-host"

echo "== install_test: start pms-host from the installed files"
# The installed options file, with the staff door on a free port.
sed 's/^--listen .*/--listen 127.0.0.1:0/' /etc/pms-host/pms-host.conf >"$work/pms-host.conf"
chmod 0644 "$work/pms-host.conf"
chmod 0755 "$work"
# setpriv execs (runuser would stay as a parent and turn SIGTERM into its own exit status),
# so the signal and the exit status are pms-host's own, as under systemd; no-new-privs and the
# umask as in the unit.
(cd /var/lib/pms-host && umask 0077 &&
  exec setpriv --reuid=pms-host --regid=pms-host --init-groups --no-new-privs \
    /usr/bin/pms-host --config "$work/pms-host.conf") \
  >"$work/out" 2>"$work/err" &
host_pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/out" 2>/dev/null && break
  kill -0 "$host_pid" 2>/dev/null || { cat "$work/err" >&2; fail "pms-host exited"; }
  sleep 0.2
done
url=$(sed -n 's/^pms-host listening on //p' "$work/out" | head -1)
[ -n "$url" ] || { cat "$work/err" >&2; fail "pms-host did not report its address"; }
health=$(curl -fsS "$url/api/health")
echo "   $url/api/health: $health"
echo "$health" | grep -q '"plugins_loaded":1' || { cat "$work/err" >&2; fail "plugins_loaded is not 1"; }
curl -fsS -o /dev/null "$url/" || fail "the web UI is not served"
kill -TERM "$host_pid"
wait "$host_pid" || fail "pms-host did not exit 0 on SIGTERM"
host_pid=

echo "== install_test: dpkg --purge"
DEBIAN_FRONTEND=noninteractive dpkg --purge "${pkgs[@]}"
for f in /usr/lib/pms /usr/lib/pms-host /etc/pms-host /usr/share/pms-host /usr/bin/pms-host \
         /usr/share/cmake/PmsPluginApi /usr/include/pms /lib/systemd/system/pms-host.service \
         /etc/systemd/system/multi-user.target.wants/pms-host.service \
         /var/lib/systemd/deb-systemd-helper-enabled/pms-host.service.dsh-also \
         /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/pms-host.service; do
  [ ! -e "$f" ] && [ ! -L "$f" ] || fail "$f is left after purge"
done
dpkg-statoverride --list /etc/pms-host/pms-host.conf >/dev/null 2>&1 && fail "statoverride left"
[ -d /var/lib/pms-host ] || fail "purge deleted /var/lib/pms-host (it must keep it)"
getent passwd pms-host >/dev/null || fail "purge deleted the pms-host user (it must keep it)"
echo "== install_test: ok (kept data folder and user removed by this test)"
