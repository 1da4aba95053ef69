#!/bin/sh
# Runs a command inside a private D-Bus session with a real, unlocked gnome-keyring Secret Service
# whose default collection ("login") exists, so keychain tests never touch the user's own keyring.
# Needs no desktop: works headless and as root (CI). Usage: sh scripts/with-keyring.sh CMD [ARGS...]
#
# Details that matter (each one broke an earlier version):
# - gnome-keyring creates the "login" collection and the "default" alias pointing at it only when
#   --unlock reads a NON-EMPTY password; with an empty one every write fails with "no result found".
# - The daemon claims its D-Bus name asynchronously. Calling the Secret Service before that makes
#   D-Bus *activate* a second daemon, which never exits and leaks. So we wait with NameHasOwner
#   (which activates nothing), then check that the "default" alias resolves.
# - The daemon runs in the foreground as our child and is killed when the command ends.
# - XDG_DATA_HOME (keyring files) and XDG_RUNTIME_DIR of the daemon (control socket) point into a
#   temp folder removed at the end, set before the bus starts so nothing lands in the user's home.
set -eu
if [ "${CLINIC_BACKUP_IN_KEYRING:-}" = "1" ]; then exec "$@"; fi
for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "with-keyring: $tool not found (Debian/Ubuntu: apt-get install dbus gnome-keyring)" >&2
    exit 127
  fi
done

dir="$(mktemp -d "${TMPDIR:-/tmp}/cb-keyring.XXXXXX")"
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$dir/data" "$dir/run"
chmod 700 "$dir/run"
export XDG_DATA_HOME="$dir/data"
export CLINIC_BACKUP_IN_KEYRING=1
export CLINIC_BACKUP_KEYRING_DIR="$dir"

status=0
dbus-run-session -- sh -c '
  set -u
  dir="$CLINIC_BACKUP_KEYRING_DIR"
  printf %s clinic-backup-test-keyring |
    XDG_RUNTIME_DIR="$dir/run" gnome-keyring-daemon --foreground --unlock --components=secrets >"$dir/daemon.env" 2>"$dir/daemon.log" &
  daemon=$!
  ready=""
  tries=0
  while [ "$tries" -lt 200 ]; do
    if ! kill -0 "$daemon" 2>/dev/null; then break; fi
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" &&
      dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
        org.freedesktop.Secret.Service.ReadAlias string:default 2>/dev/null | grep -q "/collection/"; then
      ready=1
      break
    fi
    tries=$((tries + 1))
    sleep 0.05
  done
  if [ -z "$ready" ]; then
    echo "with-keyring: gnome-keyring did not provide an unlocked default collection:" >&2
    cat "$dir/daemon.log" >&2
    kill "$daemon" 2>/dev/null
    exit 1
  fi
  eval "$(cat "$dir/daemon.env")"
  if [ -n "${GNOME_KEYRING_CONTROL:-}" ]; then export GNOME_KEYRING_CONTROL; fi
  "$@"
  status=$?
  kill "$daemon" 2>/dev/null
  wait "$daemon" 2>/dev/null
  exit "$status"
' sh "$@" || status=$?
exit "$status"
