#!/bin/sh
# mmdebstrap --customize-hook: turn the Debian 12 root in $1 into a kiosk (run by build.sh, as root).
# Inputs from build.sh's environment: KIOSK_BUNDLE (dist/kiosk), KIOSK_VERSION, KIOSK_CONFIG, KIOSK_DEPLOY.
set -eu
ROOT=$1
: "${KIOSK_BUNDLE:?}" "${KIOSK_VERSION:?}" "${KIOSK_CONFIG:?}" "${KIOSK_DEPLOY:?}"
IMAGE="$KIOSK_DEPLOY/image"

# Users: `kiosk` runs the app (no shell, no password, no sudo); `it` is branch IT over SSH (keys only, sudo).
chroot "$ROOT" useradd --system --create-home --shell /usr/sbin/nologin --groups dialout,video,render,input kiosk
chroot "$ROOT" useradd --create-home --shell /bin/bash --groups sudo it
for user in root kiosk it; do chroot "$ROOT" passwd --lock "$user" >/dev/null; done

# The application tree: releases/<version> + `current`, owned by root and read-only for everyone else.
install -d -m 0755 "$ROOT/opt/branch-kiosk/releases"
cp -a "$KIOSK_BUNDLE" "$ROOT/opt/branch-kiosk/releases/$KIOSK_VERSION"
ln -sfn "releases/$KIOSK_VERSION" "$ROOT/opt/branch-kiosk/current"
chown -R 0:0 "$ROOT/opt/branch-kiosk"
chmod -R go-w "$ROOT/opt/branch-kiosk"
ln -sf /opt/branch-kiosk/current/kiosk "$ROOT/usr/local/bin/kiosk"

# Config and secrets directories (enrolment fills pki/ and the token keys; the release key comes with the image).
install -D -m 0644 "$KIOSK_CONFIG" "$ROOT/etc/branch-kiosk/kiosk.toml"
install -d -m 0700 "$ROOT/etc/branch-kiosk/pki"
chroot "$ROOT" chown kiosk:kiosk /etc/branch-kiosk/pki
if [ -n "${KIOSK_RELEASE_KEY:-}" ]; then install -m 0644 "$KIOSK_RELEASE_KEY" "$ROOT/etc/branch-kiosk/release-key.pem"; fi

# Services: the app under cage on tty1, the sync agent, pcscd; boot to the graphical target.
install -m 0644 "$KIOSK_DEPLOY/systemd/kiosk-app.service" "$KIOSK_DEPLOY/systemd/kiosk-sync.service" \
    "$ROOT/etc/systemd/system/"
install -D -m 0644 "$IMAGE/kiosk-app-cage.conf" "$ROOT/etc/systemd/system/kiosk-app.service.d/cage.conf"
install -D -m 0644 "$IMAGE/pam-kiosk-session" "$ROOT/etc/pam.d/kiosk-session"
systemctl --root="$ROOT" enable kiosk-app.service kiosk-sync.service pcscd.socket ssh.service
systemctl --root="$ROOT" set-default graphical.target

# SSH: keys only, only the `it` user, and sshd starts only once a key is installed.
install -D -m 0644 "$IMAGE/sshd-kiosk.conf" "$ROOT/etc/ssh/sshd_config.d/kiosk.conf"
install -D -m 0644 "$IMAGE/ssh-only-with-keys.conf" "$ROOT/etc/systemd/system/ssh.service.d/only-with-keys.conf"
install -d -m 0755 "$ROOT/etc/ssh/authorized_keys"
if [ -n "${KIOSK_IT_KEYS:-}" ]; then install -m 0644 "$KIOSK_IT_KEYS" "$ROOT/etc/ssh/authorized_keys/it"; fi

# Lockdown: no spare consoles, no VT switch, no USB storage, no SysRq (deploy/lockdown).
sh "$KIOSK_DEPLOY/lockdown/install.sh" "$ROOT"

echo "branch-kiosk" > "$ROOT/etc/hostname"
chroot "$ROOT" apt-get clean
