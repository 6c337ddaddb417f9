"""Settings: profile (for calories and zones), units, cloud sync interval, data folder, demo mode, theme.

Every value lives in settings.json (services/user_settings.py), the one home services read too; QSettings
holds window state only (docs/architecture.md, "Settings").
"""

from __future__ import annotations

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from healthdesk.services.user_settings import (
    LEGACY_KEYS,
    THEMES,
    UNITS,
    adopt_legacy,
    choice,
    read_settings,
    update_settings,
)
from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.common import Card, Page, launch_demo

KG_PER_LB = 0.45359237
CM_PER_IN = 2.54


class SettingsPage(Page):
    theme_changed = Signal(str)  # 'system' | 'light' | 'dark'
    sync_interval_changed = Signal(int)  # hours

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Settings", parent)
        self.context = context
        self.settings_file = context.settings_file or context.paths.settings_file
        adopt_legacy_settings(context.settings, self.settings_file)
        shared = read_settings(self.settings_file)
        saved = shared.get("profile") if isinstance(shared.get("profile"), dict) else {}

        def number(key: str) -> float:
            value = saved.get(key)
            return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0

        profile = Card("Profile")
        hint = QLabel("Used for calories and heart-rate zones. Left empty, those values stay blank.")
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        profile.body.addWidget(hint)
        form = QFormLayout()
        # Kept in kg / cm (what the metrics read); shown in the chosen units.
        self._weight_kg = number("weight_kg")
        self._height_cm = number("height_cm")
        self.weight = _spin(QDoubleSpinBox(), 0, 300, " kg", self._weight_kg)
        self.height = _spin(QDoubleSpinBox(), 0, 250, " cm", self._height_cm)
        self.weight.setDecimals(1)
        self.height.setDecimals(0)
        self.birth_year = _spin(QSpinBox(), 0, 2030, "", int(number("birth_year")))
        for box in (self.weight, self.height, self.birth_year):
            box.setSpecialValueText("not set")
        self.sex = QComboBox()
        self.sex.setMaximumWidth(220)
        self.sex.addItems(["not set", "female", "male"])
        self.sex.setCurrentText(saved.get("sex") if saved.get("sex") in ("female", "male") else "not set")
        form.addRow("Weight", self.weight)
        form.addRow("Height", self.height)
        form.addRow("Birth year", self.birth_year)
        form.addRow("Sex", self.sex)
        profile.body.addLayout(form)
        self.content.addWidget(profile)

        prefs = Card("Display and sync")
        form = QFormLayout()
        self.units = QComboBox()
        self.units.setMaximumWidth(220)
        self.units.addItems(list(UNITS))
        self.units.setCurrentText(choice(self.settings_file, "units", UNITS))
        self.theme = QComboBox()
        self.theme.setMaximumWidth(220)
        self.theme.addItems(list(THEMES))
        self.theme.setCurrentText(choice(self.settings_file, "theme", THEMES))
        hours = shared.get("whoop_sync_interval_hours", 2)
        self.sync_hours = _spin(QSpinBox(), 1, 24, " h",
                                int(hours) if isinstance(hours, int | float) and not isinstance(hours, bool) else 2)
        form.addRow("Units", self.units)
        form.addRow("Appearance", self.theme)
        form.addRow("WHOOP cloud sync every", self.sync_hours)
        prefs.body.addLayout(form)
        self.content.addWidget(prefs)

        data = Card("Data")
        folder_row = QHBoxLayout()
        self.folder = QLabel(str(context.data_dir))
        self.folder.setWordWrap(True)
        open_folder = QPushButton("Open folder")
        open_folder.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(context.data_dir)))
        )
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(open_folder)
        data.body.addLayout(folder_row)
        demo_row = QHBoxLayout()
        if context.demo:
            demo_text = "Demo mode: this window shows simulated data kept in its own folder."
        else:
            demo_text = "Try healthdesk with a simulated band; the demo keeps its data in a separate folder."
        demo_label = QLabel(demo_text)
        demo_label.setObjectName("muted")
        demo_label.setWordWrap(True)
        self.demo_button = QPushButton("Open the demo band")
        self.demo_button.setVisible(not context.demo)
        self.demo_button.clicked.connect(self.start_demo)
        demo_row.addWidget(demo_label, 1)
        demo_row.addWidget(self.demo_button)
        data.body.addLayout(demo_row)
        self.content.addWidget(data)
        from healthdesk.ui.widgets.data_actions import DataActionsCard  # import, backup, restore, delete

        self.data_actions = DataActionsCard(context)
        self.content.addWidget(self.data_actions)
        from healthdesk.ui.notifications import BackgroundCard  # the tray, band interval and notices

        self.content.addWidget(BackgroundCard(context.paths.settings_file))
        self.content.addStretch(1)

        self._show_body_units()
        self.weight.valueChanged.connect(self._weight_edited)
        self.height.valueChanged.connect(self._height_edited)
        self.units.currentTextChanged.connect(self._show_body_units)
        for box in (self.birth_year, self.sync_hours):
            box.valueChanged.connect(self.save)
        for combo in (self.sex, self.units, self.theme):
            combo.currentTextChanged.connect(self.save)
        self.theme.currentTextChanged.connect(self.theme_changed.emit)
        self.sync_hours.valueChanged.connect(self.sync_interval_changed.emit)

    @property
    def imperial(self) -> bool:
        return self.units.currentText() == "imperial"

    def _show_body_units(self) -> None:
        for box, value, metric, imperial, factor, top in (
            (self.weight, self._weight_kg, " kg", " lb", KG_PER_LB, 300.0),
            (self.height, self._height_cm, " cm", " in", CM_PER_IN, 250.0),
        ):
            box.blockSignals(True)
            box.setSuffix(imperial if self.imperial else metric)
            box.setRange(0, top / factor if self.imperial else top)
            box.setValue(value / factor if self.imperial else value)
            box.blockSignals(False)

    def _weight_edited(self, shown: float) -> None:
        self._weight_kg = shown * KG_PER_LB if self.imperial else shown
        self.save()

    def _height_edited(self, shown: float) -> None:
        self._height_cm = shown * CM_PER_IN if self.imperial else shown
        self.save()

    def profile(self) -> dict[str, float | int | str | None]:
        """The profile as the metrics read it: None for anything not set (never a population default)."""
        return {
            "weight_kg": round(self._weight_kg, 2) or None,
            "height_cm": round(self._height_cm, 1) or None,
            "birth_year": self.birth_year.value() or None,
            "sex": None if self.sex.currentText() == "not set" else self.sex.currentText(),
        }

    def save(self) -> None:
        update_settings(self.settings_file, profile=self.profile(), units=self.units.currentText(),
                        theme=self.theme.currentText(), whoop_sync_interval_hours=float(self.sync_hours.value()))
        cloud = self.context.cloud
        if cloud is not None and hasattr(cloud, "interval_s"):
            cloud.interval_s = self.sync_hours.value() * 3600.0  # takes effect from the next scheduled run

    def start_demo(self) -> None:
        launch_demo()

    def refresh(self) -> None:
        self.loaded.emit()


def adopt_legacy_settings(qsettings, settings_file) -> None:
    """v0.1 wrote the settings to QSettings as well: move them into settings.json once and drop them there."""
    legacy = {key: qsettings.value(key) for key in LEGACY_KEYS if qsettings.contains(key)}
    if legacy:
        adopt_legacy(settings_file, legacy)
        for key in legacy:
            qsettings.remove(key)


def _spin(box: QSpinBox | QDoubleSpinBox, low: float, high: float, suffix: str, value: float):
    box.setMaximumWidth(220)
    box.setRange(low, high)
    box.setSuffix(suffix)
    box.setValue(value)
    return box
