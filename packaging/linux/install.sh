#!/usr/bin/env bash
# Install the unpacked healthdesk bundle for the current user under ~/.local (no root needed):
#   ~/.local/opt/healthdesk/            the bundle (replaced whole on upgrade)
#   ~/.local/bin/healthdesk             a symlink to the launcher
#   ~/.local/share/applications/healthdesk.desktop and ~/.local/share/icons/hicolor/*/apps/healthdesk.*
# `./install.sh --uninstall` removes exactly these; your data (~/.local/share/healthdesk, ~/.config/healthdesk)
# is never touched.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
APP_DIR=$HOME/.local/opt/healthdesk
BIN_LINK=$HOME/.local/bin/healthdesk
DESKTOP=$DATA_HOME/applications/healthdesk.desktop
ICON_ROOT=$DATA_HOME/icons/hicolor
ICON_SIZES="64x64 128x128 256x256 512x512"

refresh_caches() {  # optional helpers: absent on minimal systems, harmless to skip
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$DATA_HOME/applications" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$ICON_ROOT" 2>/dev/null || true
}

uninstall() {
  rm -rf "$APP_DIR"
  [ -L "$BIN_LINK" ] && rm -f "$BIN_LINK"
  rm -f "$DESKTOP"
  for size in $ICON_SIZES; do rm -f "$ICON_ROOT/$size/apps/healthdesk.png"; done
  rm -f "$ICON_ROOT/scalable/apps/healthdesk.svg"
  refresh_caches
  echo "healthdesk removed. Your data stays in ${XDG_DATA_HOME:-~/.local/share}/healthdesk and ~/.config/healthdesk."
}

install() {
  if [ ! -x "$HERE/healthdesk" ] || [ ! -d "$HERE/share" ]; then
    echo "install.sh: run me from the unpacked healthdesk folder (healthdesk and share/ must sit next to me)" >&2
    exit 1
  fi
  mkdir -p "$HOME/.local/opt" "$(dirname "$BIN_LINK")" "$DATA_HOME/applications"
  # Copy next to the target, then swap: an interrupted install never leaves a half-copied bundle in place.
  local staging="$APP_DIR.new.$$"
  rm -rf "$staging"
  cp -a "$HERE/." "$staging/"
  rm -rf "$staging/share" "$staging/install.sh"
  rm -rf "$APP_DIR.old"
  [ -d "$APP_DIR" ] && mv "$APP_DIR" "$APP_DIR.old"
  mv "$staging" "$APP_DIR"
  rm -rf "$APP_DIR.old"
  ln -sfn "$APP_DIR/healthdesk" "$BIN_LINK"
  for size in $ICON_SIZES scalable; do
    for icon in "$HERE"/share/icons/hicolor/"$size"/apps/healthdesk.*; do
      mkdir -p "$ICON_ROOT/$size/apps"
      cp "$icon" "$ICON_ROOT/$size/apps/"
    done
  done
  # Desktop sessions do not search ~/.local/bin: point Exec and TryExec at the installed launcher itself.
  sed -e "s|^Exec=.*|Exec=$APP_DIR/healthdesk|" -e "s|^TryExec=.*|TryExec=$APP_DIR/healthdesk|" \
    "$HERE/share/applications/healthdesk.desktop" > "$DESKTOP.part"
  mv "$DESKTOP.part" "$DESKTOP"
  refresh_caches
  echo "healthdesk installed: find it in your applications menu, or run $BIN_LINK"
}

case "${1:-}" in
  "") install ;;
  --uninstall) uninstall ;;
  *) echo "usage: install.sh [--uninstall]" >&2; exit 2 ;;
esac
