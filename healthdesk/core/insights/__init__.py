"""Longitudinal insights (docs/insights.md): drivers with a false-discovery test, period reviews, records.

Pure: numpy, scipy (imported lazily inside functions) and stdlib only.
"""
