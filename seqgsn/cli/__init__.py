"""Command-line interface. ``main`` is the console-script entry point."""
import importlib

from .main import data, main  # noqa: F401

# Each module registers its commands on ``main`` / ``data``; a missing optional
# module (work in progress) must not break the others.
for _m in ("predict", "train", "evaluate", "plot", "data_cmds", "data_filter"):
    try:
        importlib.import_module(f"{__name__}.{_m}")
    except ModuleNotFoundError as _e:
        if _e.name != f"{__name__}.{_m}":
            raise
