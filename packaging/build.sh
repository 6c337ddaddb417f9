#!/usr/bin/env bash
# Build dist/healthdesk-<version>-linux-x86_64.tar.gz from a clean virtual environment (build/pkg-venv),
# never from the developer's .venv. The venv is reused while pyproject.toml is unchanged; the project itself
# is reinstalled from the working tree on every build.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
PY=${PYTHON:-python3}
VENV=build/pkg-venv
STAMP="$VENV/.deps-$(cksum < pyproject.toml | cut -d' ' -f1)"
VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' healthdesk/__init__.py)
NAME="healthdesk-$VERSION-linux-x86_64"

if [ ! -f "$STAMP" ]; then
  echo "build: creating the clean build environment in $VENV"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q ".[package]"
  touch "$STAMP"
fi
# setuptools keeps build/lib between builds and would ship modules deleted since: start from nothing.
rm -rf build/lib build/bdist.*
"$VENV/bin/pip" install -q --no-deps --force-reinstall .
rm -rf build/lib build/bdist.*

echo "build: PyInstaller"
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --workpath build/pyinstaller --distpath build/dist packaging/healthdesk.spec

# Strip only the interpreter's own libraries (built with debug symbols, ~29 MB of them). PyInstaller's strip=True
# would also strip the patchelf-rewritten wheel libraries, which then fail to load (numpy's OpenBLAS).
if command -v strip >/dev/null; then
  strip --strip-unneeded build/dist/healthdesk/_internal/libpython3*.so* \
    build/dist/healthdesk/_internal/python3*/lib-dynload/*.so
fi

# Archive layout: the onedir bundle plus what install.sh puts under ~/.local.
STAGE="build/stage/$NAME"
rm -rf build/stage && mkdir -p "$STAGE/share/applications"
cp -a build/dist/healthdesk/. "$STAGE/"
cp packaging/linux/install.sh "$STAGE/install.sh"
cp packaging/linux/healthdesk.desktop "$STAGE/share/applications/"
for size in 64 128 256 512; do
  mkdir -p "$STAGE/share/icons/hicolor/${size}x${size}/apps"
  cp "packaging/icons/healthdesk-$size.png" "$STAGE/share/icons/hicolor/${size}x${size}/apps/healthdesk.png"
done
mkdir -p "$STAGE/share/icons/hicolor/scalable/apps"
cp resources/icons/healthdesk.svg "$STAGE/share/icons/hicolor/scalable/apps/healthdesk.svg"

mkdir -p dist
tar -C build/stage -czf "dist/$NAME.tar.gz.part" "$NAME"
mv "dist/$NAME.tar.gz.part" "dist/$NAME.tar.gz"  # never leave a half-written archive under the final name
echo "build: dist/$NAME.tar.gz ($(du -sh "$STAGE" | cut -f1) unpacked)"
