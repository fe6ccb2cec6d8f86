"""Rendering results for the terminal: the result's report as text, its JSON, its tables as CSV."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

FORMATS = ("table", "json", "csv")


def render(result: Any, fmt: str, csv_frames: Sequence[str], **kwargs: Any) -> str:
    """``result`` as ``table`` (its report), ``json`` (its ``to_dict()``) or ``csv`` (some frames).

    ``kwargs`` (such as ``regions``) are passed to the result's methods.
    """
    if fmt == "json":
        return json.dumps(result.to_dict(**kwargs), indent=2, allow_nan=False)
    if fmt == "csv":
        frames: dict[str, pd.DataFrame] = result.frames(**kwargs)
        parts = [frames[name].to_csv(float_format="%.8g") for name in csv_frames if name in frames]
        return "\n".join(parts).rstrip("\n")
    text: str = result.report(**kwargs).to_text()
    return text
