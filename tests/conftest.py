"""Shared test setup.

Fixture modules live beside this file as ``fixtures_<name>.py`` (a simulated
web, a real pywb, ...) and are loaded here as plugins, so each can be owned and
grown on its own.
"""

import pathlib

pytest_plugins = sorted(p.stem for p in pathlib.Path(__file__).parent.glob("fixtures_*.py"))
