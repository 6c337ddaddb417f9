# Two entry points for people: `make run` (install + launch the app) and `make test` (install + whole suite).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# System packages the GUI, screenshot and PDF tests need on a bare Debian machine (chromium: the share view
# at phone width, in the tests and in --screenshot).
APT_PKGS := xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0 \
            libxcb-xinerama0 libxcb-xkb1 libxcb-shape0 libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1 \
            libfontconfig1 libdbus-1-3 poppler-utils desktop-file-utils chromium

.PHONY: run test system-deps lint clean package package-smoke

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

system-deps:
	@command -v apt-get >/dev/null || { echo "no apt-get: install Xvfb, poppler-utils and Chromium yourself for the tests"; exit 0; }; \
	missing=$$(for p in $(APT_PKGS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

run: system-deps $(STAMP)
	$(BIN)/healthdesk

test: system-deps $(STAMP)
	$(BIN)/lint-imports
	xvfb-run -a -s "-screen 0 1600x1000x24" $(BIN)/python -m pytest

# dist/healthdesk-<version>-linux-x86_64.tar.gz, built in its own clean venv (packaging/build.sh).
package: system-deps
	bash packaging/build.sh

# Build, then run the bundle under Xvfb (also part of `make test` via tests/bundle).
package-smoke: system-deps $(STAMP)
	bash packaging/smoke_test.sh

lint: $(STAMP)
	$(BIN)/ruff check healthdesk tests bench

clean:
	rm -rf $(VENV) build *.egg-info
