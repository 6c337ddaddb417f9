"""bleak and OS errors -> one actionable line for the person at the keyboard.

`BandConnectionError` carries the line (its `str`) and a `kind` the UI can branch on. `translated_errors()`
wraps every bleak call in `transport.py`, so nothing above `ble/` ever sees a bleak exception or a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDBusError,
    BleakDeviceNotFoundError,
    BleakError,
    BleakGATTProtocolError,
    BleakGATTProtocolErrorCode,
)

try:  # bleak's D-Bus library, present where BlueZ is the backend; its errors can escape bleak unwrapped
    from dbus_fast.errors import AuthError as _DBusAuthError
    from dbus_fast.errors import DBusError as _DBusReplyError
    from dbus_fast.errors import DBusFastError as _DBusFastError
except ImportError:  # pragma: no cover - macOS / Windows

    class _DBusFastError(Exception):  # type: ignore[no-redef]
        pass

    _DBusAuthError = _DBusReplyError = _DBusFastError  # type: ignore[misc]

ErrorKind = Literal[
    "unavailable", "powered_off", "permission", "out_of_range", "bonded_elsewhere", "link_lost", "not_paired", "other"
]

OUT_OF_RANGE = (
    "The band did not answer: it is out of range, switched off or connected to another app. "
    "Bring it next to the computer, close the WHOOP app on your phone and try again."
)
BONDED_ELSEWHERE = (
    "The band refused to pair: it is bonded to another phone. Turn Bluetooth off on that phone "
    "(or forget the band in its Bluetooth settings), then pair again."
)
POWERED_OFF = "Bluetooth is off: turn it on in the system settings and try again."
PERMISSION = (
    "Permission to use Bluetooth was denied: allow healthdesk in the system's Bluetooth privacy settings "
    "(on Linux: run it from your desktop session or add your user to the 'bluetooth' group)."
)
LINK_LOST = "The connection to the band was lost; it will resume from where it stopped on the next sync."
NOT_PAIRED = "The band wants an encrypted link: pair it first (healthdesk-cli band pair)."


class BandConnectionError(Exception):
    """A Bluetooth failure explained in one line (`str(error)`), with a machine-readable `kind`."""

    def __init__(self, message: str, kind: ErrorKind = "other") -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind


class PairingRejectedError(BleakError):
    """The band answered the pairing request with a refusal (raised by backends that can tell)."""


def _unavailable(detail: str) -> BandConnectionError:
    return BandConnectionError(f"Bluetooth is not available: {detail}", "unavailable")


def _from_not_available(error: BleakBluetoothNotAvailableError) -> BandConnectionError:
    reason = error.reason
    if reason is BleakBluetoothNotAvailableReason.POWERED_OFF:
        return BandConnectionError(POWERED_OFF, "powered_off")
    if reason in (
        BleakBluetoothNotAvailableReason.DENIED_BY_USER,
        BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM,
        BleakBluetoothNotAvailableReason.DENIED_BY_UNKNOWN,
    ):
        return BandConnectionError(PERMISSION, "permission")
    if reason is BleakBluetoothNotAvailableReason.NO_BLUETOOTH:
        return _unavailable("this computer has no Bluetooth adapter.")
    if reason is BleakBluetoothNotAvailableReason.NO_BLE_CENTRAL_ROLE:
        return _unavailable("the Bluetooth adapter does not support Bluetooth Low Energy.")
    return _unavailable(str(error.args[0]) if error.args else "unknown reason.")


def _from_dbus(name: str, details: str) -> BandConnectionError:
    if name == "org.bluez.Error.NotReady":
        return BandConnectionError(POWERED_OFF, "powered_off")
    if name in ("org.freedesktop.DBus.Error.AccessDenied", "org.bluez.Error.NotAuthorized"):
        return BandConnectionError(PERMISSION, "permission")
    if name in ("org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner"):
        return _unavailable("the Bluetooth service (bluetoothd) is not running; start it and try again.")
    if name.startswith("org.bluez.Error.Authentication"):
        return BandConnectionError(BONDED_ELSEWHERE, "bonded_elsewhere")
    if name == "org.bluez.Error.InProgress":
        return BandConnectionError("Bluetooth is busy with another operation: wait a moment and retry.", "other")
    if "abort" in details.lower() or "timeout" in details.lower() or name == "org.bluez.Error.DoesNotExist":
        return BandConnectionError(OUT_OF_RANGE, "out_of_range")
    return BandConnectionError(f"Bluetooth error: {details or name}", "other")


def explain(error: BaseException) -> BandConnectionError:
    """The one-line explanation of any error raised by a bleak call (or the OS beneath it)."""
    if isinstance(error, BandConnectionError):
        return error
    if isinstance(error, BleakBluetoothNotAvailableError):
        return _from_not_available(error)
    if isinstance(error, BleakDBusError):
        return _from_dbus(error.dbus_error, error.dbus_error_details or "")
    if isinstance(error, _DBusReplyError):
        return _from_dbus(str(getattr(error, "type", "")), str(getattr(error, "text", "")))
    if isinstance(error, _DBusAuthError):
        return BandConnectionError(PERMISSION, "permission")
    if isinstance(error, _DBusFastError):
        return _unavailable(f"the system D-Bus failed ({error}); is the Bluetooth service (bluez) running?")
    if isinstance(error, PairingRejectedError):
        return BandConnectionError(BONDED_ELSEWHERE, "bonded_elsewhere")
    if isinstance(error, BleakDeviceNotFoundError):
        return BandConnectionError(OUT_OF_RANGE, "out_of_range")
    if isinstance(error, BleakGATTProtocolError):
        if error.code in (
            BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION,
            BleakGATTProtocolErrorCode.INSUFFICIENT_AUTHENTICATION,
            BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION_KEY_SIZE,
        ):
            return BandConnectionError(NOT_PAIRED, "not_paired")
        return BandConnectionError(f"The band rejected a request ({error.code.name}).", "other")
    if isinstance(error, TimeoutError):
        return BandConnectionError(OUT_OF_RANGE, "out_of_range")
    if isinstance(error, PermissionError):
        return BandConnectionError(PERMISSION, "permission")
    if isinstance(error, (FileNotFoundError, ConnectionRefusedError)) and sys.platform.startswith("linux"):
        # bleak's BlueZ backend dials the system D-Bus socket first; no socket means no BlueZ to talk to.
        return _unavailable(
            "cannot reach BlueZ over the system D-Bus (no Bluetooth service on this machine). "
            "Install and start bluez (systemctl start bluetooth), or use --sim for the simulated band."
        )
    if isinstance(error, BleakError):
        text = " ".join(str(a) for a in error.args) or type(error).__name__
        lowered = text.lower()
        if "adapter" in lowered and ("no " in lowered or "not found" in lowered):
            return _unavailable("no Bluetooth adapter was found.")
        if "not connected" in lowered or "disconnected" in lowered:
            return BandConnectionError(LINK_LOST, "link_lost")
        return BandConnectionError(f"Bluetooth error: {text}", "other")
    if isinstance(error, OSError):
        return _unavailable(error.strerror or str(error))
    return BandConnectionError(f"Bluetooth error: {type(error).__name__}: {error}", "other")


@contextmanager
def translated_errors() -> Iterator[None]:
    """Re-raise any bleak/OS error from the block as a BandConnectionError (cancellation passes through)."""
    try:
        yield
    except BandConnectionError:
        raise
    except (TimeoutError, BleakError, OSError, _DBusFastError) as error:
        raise explain(error) from error
