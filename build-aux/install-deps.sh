#!/bin/sh
# Installs, from Debian 12's packages, everything Keepsake needs to build, run and test.
# Idempotent: does nothing (and needs no network) when every package is already present.
set -eu

PACKAGES="
  build-essential meson ninja-build pkg-config gettext git
  libglib2.0-dev libgtk-4-dev libadwaita-1-dev libgdk-pixbuf-2.0-dev
  libimobiledevice-dev libimobiledevice-utils libusbmuxd-dev libusbmuxd-tools
  libplist-dev libplist-utils libssl-dev
  libheif-dev libheif-examples heif-thumbnailer heif-gdk-pixbuf
  libsqlite3-dev sqlite3 libexif-dev
  libjpeg62-turbo-dev liblcms2-dev
  libimage-exiftool-perl
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav
  libx265-dev libx264-dev
  xvfb xauth dbus dbus-user-session libglib2.0-bin
  at-spi2-core python3-gi python3-pyatspi gir1.2-atspi-2.0
  imagemagick desktop-file-utils appstream
  ifuse fuse usbmuxd bindfs
  python3-cryptography
  help2man groff-base man-db
  dpkg-dev debhelper lintian
"
# python3-cryptography: the backup-source test decrypts the emulator's encrypted backups the way
# the published tools do, independently of Keepsake's reader.
# help2man, groff-base, man-db: keepsake-cli's manual page is made from its --help, and the
# `manpage` test renders both pages (groff -ww, man -l).
# dpkg-dev, debhelper, lintian: build-aux/build-deb and the `deb` test suite.
# Drive destinations read file system UUIDs and types with libblkid; the drive tests make
# vfat/exfat/ext4 images and mount them (through FUSE where the kernel lacks vfat or exfat).
PACKAGES="$PACKAGES libblkid-dev dosfstools exfatprogs e2fsprogs fusefat exfat-fuse"
# XMP sidecars are read back in the tests by two independent readers: exiftool (above) and
# exiv2.
PACKAGES="$PACKAGES exiv2"
# Network and cloud destinations: rclone, and libsoup/json-glib to talk to its rc server;
# the servers their tests start on 127.0.0.1 (sshd, Apache with mod_dav, smbd); openssh-client's
# ssh-keyscan reads an SFTP server's host key for the user to trust.
PACKAGES="$PACKAGES libsoup-3.0-dev libjson-glib-dev libsecret-1-dev rclone
  openssh-server openssh-client apache2 samba smbclient"
# Backup passwords kept in the keyring: the tests start a real gnome-keyring-daemon on a private
# session bus and read what was stored with secret-tool.
PACKAGES="$PACKAGES gnome-keyring libsecret-tools"
# The emulator's independent-client test uses npm; this machine image may already carry its own
# Node.js, which conflicts with Debian's nodejs/npm packages.
if ! command -v npm >/dev/null 2>&1; then
  PACKAGES="$PACKAGES nodejs npm"
fi

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

echo "Installing:$missing" >&2
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
