#!/bin/sh
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring Secret Service,
# so keychain tests use a real Secret Service and never touch the user's own keyring.
set -eu
if [ "${CLINIC_BACKUP_IN_KEYRING:-}" = "1" ]; then exec "$@"; fi
export CLINIC_BACKUP_IN_KEYRING=1
exec dbus-run-session -- sh -c '
  export XDG_DATA_HOME="$(mktemp -d)"
  eval "$(printf "" | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)" || true
  export GNOME_KEYRING_CONTROL
  "$@"
  status=$?
  rm -rf "$XDG_DATA_HOME"
  exit $status
' sh "$@"
