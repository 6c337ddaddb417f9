"""Every bleak/OS failure becomes one actionable line of the right kind."""

from __future__ import annotations

import asyncio

import pytest
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDBusError,
    BleakDeviceNotFoundError,
    BleakError,
    BleakGATTProtocolError,
)
from dbus_fast.errors import AuthError, DBusError, InvalidAddressError

from healthdesk.ble.errors import BandConnectionError, PairingRejectedError, explain, translated_errors

Reason = BleakBluetoothNotAvailableReason

CASES = [
    (BleakBluetoothNotAvailableError("off", Reason.POWERED_OFF), "powered_off", "Bluetooth is off"),
    (BleakBluetoothNotAvailableError("denied", Reason.DENIED_BY_USER), "permission", "Permission to use Bluetooth"),
    (BleakBluetoothNotAvailableError("policy", Reason.DENIED_BY_SYSTEM), "permission", "Permission to use Bluetooth"),
    (BleakBluetoothNotAvailableError("none", Reason.NO_BLUETOOTH), "unavailable", "Bluetooth is not available: this"),
    (BleakBluetoothNotAvailableError("classic", Reason.NO_BLE_CENTRAL_ROLE), "unavailable", "Bluetooth is not available"),
    (BleakDBusError("org.bluez.Error.NotReady", ["Resource Not Ready"]), "powered_off", "Bluetooth is off"),
    (BleakDBusError("org.freedesktop.DBus.Error.AccessDenied", ["nope"]), "permission", "Permission to use"),
    (BleakDBusError("org.freedesktop.DBus.Error.ServiceUnknown", ["bluez"]), "unavailable", "Bluetooth is not available"),
    (BleakDBusError("org.bluez.Error.AuthenticationRejected", []), "bonded_elsewhere", "The band refused to pair"),
    (BleakDBusError("org.bluez.Error.AuthenticationFailed", []), "bonded_elsewhere", "The band refused to pair"),
    (BleakDBusError("org.bluez.Error.Failed", ["le-connection-abort-by-local"]), "out_of_range", "The band did not"),
    (PairingRejectedError("rejected"), "bonded_elsewhere", "The band refused to pair"),
    (BleakDeviceNotFoundError("C0:11:22:33:44:55", "not found"), "out_of_range", "The band did not answer"),
    (TimeoutError(), "out_of_range", "The band did not answer"),
    (BleakGATTProtocolError(0x0F), "not_paired", "The band wants an encrypted link"),
    (BleakGATTProtocolError(0x05), "not_paired", "The band wants an encrypted link"),
    (BleakGATTProtocolError(0x03), "other", "The band rejected a request (WRITE_NOT_PERMITTED)"),
    (PermissionError(13, "Permission denied"), "permission", "Permission to use Bluetooth"),
    (FileNotFoundError(2, "No such file or directory"), "unavailable", "Bluetooth is not available: cannot reach"),
    (BleakError("No Bluetooth adapters found."), "unavailable", "Bluetooth is not available: no Bluetooth adapter"),
    (BleakError("Not connected"), "link_lost", "The connection to the band was lost"),
    (BleakError("something odd"), "other", "Bluetooth error: something odd"),
    (DBusError("org.bluez.Error.NotReady", "Resource Not Ready"), "powered_off", "Bluetooth is off"),
    (AuthError("rejected"), "permission", "Permission to use Bluetooth"),
    (InvalidAddressError("bad address"), "unavailable", "Bluetooth is not available: the system D-Bus failed"),
]


@pytest.mark.parametrize(("error", "kind", "start"), CASES, ids=[f"{type(c[0]).__name__}-{c[1]}" for c in CASES])
def test_explain_gives_one_line_of_the_right_kind(error, kind, start):
    explained = explain(error)
    assert explained.kind == kind
    assert str(explained).startswith(start)
    assert "\n" not in str(explained) and "Traceback" not in str(explained)


def test_translated_errors_chains_the_cause_and_lets_cancellation_through():
    original = BleakDBusError("org.bluez.Error.NotReady", [])
    with pytest.raises(BandConnectionError) as caught, translated_errors():
        raise original
    assert caught.value.__cause__ is original

    with pytest.raises(asyncio.CancelledError), translated_errors():
        raise asyncio.CancelledError
    with pytest.raises(ValueError), translated_errors():
        raise ValueError("a programming error stays visible")
