#!/bin/sh
# Lock a kiosk down (run as root; idempotent). The image recipe (deploy/image/) runs it too.
# What it does is documented in deploy/README.md, "Lockdown".
set -eu
HERE=$(dirname "$0")
ROOT=${1:-}   # an image's root directory, or empty for this machine
install -D -m 0644 "$HERE/logind-kiosk.conf" "$ROOT/etc/systemd/logind.conf.d/50-kiosk.conf"
install -D -m 0644 "$HERE/xorg-kiosk.conf" "$ROOT/etc/X11/xorg.conf.d/10-kiosk-lockdown.conf"
install -D -m 0644 "$HERE/modprobe-kiosk.conf" "$ROOT/etc/modprobe.d/kiosk-no-usb-storage.conf"
install -D -m 0644 "$HERE/udev-kiosk.rules" "$ROOT/etc/udev/rules.d/90-kiosk-no-automount.rules"
install -D -m 0644 "$HERE/sysctl-kiosk.conf" "$ROOT/etc/sysctl.d/90-kiosk.conf"
mkdir -p "$ROOT/etc/systemd/system"
# Ctrl+Alt+Del must not reboot a kiosk in front of a customer.
ln -sf /dev/null "$ROOT/etc/systemd/system/ctrl-alt-del.target"
# No console login on the kiosk's own screen or on tty2..tty6 (cage owns tty1 in the image).
for tty in 1 2 3 4 5 6; do ln -sf /dev/null "$ROOT/etc/systemd/system/getty@tty$tty.service"; done
ln -sf /dev/null "$ROOT/etc/systemd/system/autovt@.service"
