#!/bin/sh
# Build the kiosk's Debian 12 root filesystem with mmdebstrap.
#   deploy/image/build.sh BUNDLE_DIR OUT [CONFIG]
# BUNDLE_DIR is the one-folder bundle from kiosk.spec (dist/kiosk); OUT a directory (or OUT.tar, .tar.zst, ...:
# mmdebstrap picks the format from the name); CONFIG defaults to deploy/kiosk.example.toml.
# Optional environment: KIOSK_IMAGE_MIRROR (Debian mirror), KIOSK_RELEASE_KEY (the bank's release key, PEM),
# KIOSK_IT_KEYS (authorized_keys for the `it` user; without it sshd stays off).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
KIOSK_DEPLOY=$(dirname "$HERE")
KIOSK_BUNDLE=$(cd "$1" && pwd)
OUT=$2
KIOSK_CONFIG=$(realpath "${3:-$KIOSK_DEPLOY/kiosk.example.toml}")
MIRROR=${KIOSK_IMAGE_MIRROR:-http://deb.debian.org/debian}
KIOSK_VERSION=$("$KIOSK_BUNDLE/kiosk" --version | awk '{print $NF}')
PACKAGES=$(grep -v '^#' "$HERE/packages.txt" | grep . | paste -sd, -)
export KIOSK_BUNDLE KIOSK_VERSION KIOSK_CONFIG KIOSK_DEPLOY
exec mmdebstrap --variant=minbase --include="$PACKAGES" --customize-hook="$HERE/customize.sh" \
    bookworm "$OUT" "$MIRROR"
