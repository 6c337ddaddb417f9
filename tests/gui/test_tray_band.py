"""Background band rounds against the simulated band over the real bleak API and bumble link: a band in range
is drained (one data-changed), a low battery is announced once per low spell (and not when switched off), and a
band out of range is left alone without a notice."""

from __future__ import annotations

from healthdesk.ble.bumble_backend import SIMULATED
from healthdesk.config import resolve_paths
from healthdesk.services.background_sync import BackgroundSync, Notice
from healthdesk.services.band_control import BandControl
from healthdesk.services.user_settings import update_settings
from healthdesk.store.band_reads import records_between

from . import test_band_page as band_tests
from .test_band_page import RECORDS

band_records, sim_band = band_tests.band_records, band_tests.sim_band


def test_band_round_drains_in_range_and_warns_of_a_low_battery_once(
    context, database, home, sim_band, drive
) -> None:
    control = BandControl(resolve_paths(home), database, SIMULATED, simulated=True, scan_timeout=0.5)
    (found,) = drive(control.scan())
    drive(control.pair(found.address))
    sim_band.state.battery_percent = 12.0
    notices: list[Notice] = []
    changes: list[int] = []
    settings_file = home / "settings.json"
    background = BackgroundSync(settings_file, context.dashboard, notify=notices.append,
                                data_changed=lambda: changes.append(1))
    background.attach(band=control)

    assert drive(background.band_round(), 60_000) is True
    assert len(records_between(database, None, 0, 2**32)) == RECORDS  # everything on the band is home
    assert changes == [1]
    assert [n.kind for n in notices] == ["battery_low"] and "12 %" in notices[0].message

    assert drive(background.band_round(), 60_000) is True  # nothing new, still low: no second notice
    assert changes == [1] and len(notices) == 1

    sim_band.state.battery_percent = 80.0  # charged: the next low spell is announced again ...
    drive(background.band_round(), 60_000)
    sim_band.state.battery_percent = 15.0
    update_settings(settings_file, notify_band_battery_low=False)  # ... unless the user switched it off
    drive(background.band_round(), 60_000)
    assert len(notices) == 1

    background.band_busy = lambda: True  # the Band page is using the band: the round leaves it alone
    assert drive(background.band_round()) is False


def test_band_out_of_range_is_skipped_quietly(context, database, home, sim_band, drive) -> None:
    control = BandControl(resolve_paths(home), database, SIMULATED, simulated=True, scan_timeout=0.5)
    (found,) = drive(control.scan())
    drive(control.pair(found.address))
    sim_band.state.battery_percent = 5.0
    from healthdesk.ble.bumble_backend import simulated_air

    drive(simulated_air().close())  # the band leaves the room
    notices: list[Notice] = []
    background = BackgroundSync(home / "settings.json", context.dashboard, notify=notices.append,
                                data_changed=lambda: None, reach_timeout_s=2.0)
    background.attach(band=control)
    assert drive(background.band_round(), 60_000) is False
    assert notices == []
