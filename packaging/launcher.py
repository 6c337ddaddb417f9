"""Frozen entry point: `healthdesk` runs the app; the hidden `--self-check` proves the OS backends were bundled.

The self-check imports what only a real desktop exercises (keyring's Secret Service backend with secretstorage,
bleak's BlueZ backend over dbus_fast) and prints one line per part; the smoke test runs it on the built bundle.
"""

from __future__ import annotations

import sys


def self_check() -> int:
    import keyring.backend
    from bleak.backends import BleakBackend
    from bleak.backends.client import get_platform_client_backend_type
    from bleak.backends.scanner import get_platform_scanner_backend_type
    from keyring.backends import SecretService, kwallet

    # keyring finds its OS backends through entry-point metadata: without it the frozen app only has fail.Keyring.
    keyring.backend._load_plugins()
    names = {f"{cls.__module__}.{cls.__name__}" for cls in keyring.backend.KeyringBackend._classes}
    wanted = {"keyring.backends.SecretService.Keyring", "keyring.backends.kwallet.DBusKeyring"}
    if not wanted <= names:
        print(f"self-check FAILED: keyring backends missing: {sorted(wanted - names)}")
        return 1
    if not hasattr(SecretService, "secretstorage"):
        print("self-check FAILED: secretstorage is not bundled")
        return 1
    import secretstorage

    print(f"keyring OK: SecretService (secretstorage {secretstorage.__version__}), KWallet "
          f"({kwallet.DBusKeyring.__name__}); active now: {type(keyring.get_keyring()).__module__}")
    scanner, scanner_backend = get_platform_scanner_backend_type()
    client, client_backend = get_platform_client_backend_type()
    if {scanner_backend, client_backend} != {BleakBackend.BLUEZ_DBUS}:
        print(f"self-check FAILED: bleak chose {scanner_backend}/{client_backend}")
        return 1
    import dbus_fast.aio

    print(f"bleak OK: {scanner.__name__}, {client.__name__} over dbus_fast.aio.{dbus_fast.aio.MessageBus.__name__}")
    return 0


def main() -> int:
    args = sys.argv[1:]
    if args == ["--self-check"]:
        return self_check()
    from healthdesk.app import main as app_main

    return app_main(args)


if __name__ == "__main__":
    sys.exit(main())
