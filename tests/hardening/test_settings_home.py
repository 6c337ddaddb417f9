"""Settings have one home: settings.json. QSettings keeps window state only; v0.1's copies move over once."""

from __future__ import annotations

import json
import stat

from PySide6.QtCore import QSettings

from healthdesk.services.user_settings import THEMES, choice, saved_profile
from healthdesk.ui.context import AppContext
from healthdesk.ui.pages.settings import SettingsPage
from healthdesk.ui.tasks import TaskRunner


def test_settings_live_in_settings_json_only_and_legacy_values_move_once(tmp_path, qtbot):
    ini = QSettings(str(tmp_path / "healthdesk-ui.ini"), QSettings.Format.IniFormat)
    for key, value in {"profile/weight_kg": 81.5, "profile/birth_year": 1980, "profile/sex": "male",
                       "units": "imperial", "theme": "dark", "cloud/sync_interval_h": 4, "window/page": 2}.items():
        ini.setValue(key, value)  # what v0.1 wrote
    ini.sync()
    settings_file = tmp_path / "settings.json"
    page = SettingsPage(AppContext(TaskRunner(), ini, tmp_path, settings_file=settings_file))
    qtbot.addWidget(page)
    saved = json.loads(settings_file.read_text())
    assert saved["profile"] == {"weight_kg": 81.5, "height_cm": None, "birth_year": 1980, "sex": "male"}
    assert saved["units"] == "imperial" and saved["theme"] == "dark" and saved["whoop_sync_interval_hours"] == 4
    assert ini.allKeys() == ["window/page"]  # window state stays; no setting is kept twice
    assert page.units.currentText() == "imperial" and page.sex.currentText() == "male"

    page.theme.setCurrentText("light")
    page.birth_year.setValue(1985)
    ini.sync()
    assert ini.allKeys() == ["window/page"]  # saving writes settings.json only
    assert choice(settings_file, "theme", THEMES) == "light"
    profile = saved_profile(settings_file)
    assert profile is not None and profile.weight_kg == 81.5 and profile.sex == "male"
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600  # weight and birth year: owner only
