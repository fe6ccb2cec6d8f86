"""The entry points the property tests and ``bench/fuzz_inputs.py`` run: name -> (strategy, check)."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

from tests.properties.cases import (
    Case,
    Tally,
    check_options_case,
    check_run_options_case,
    check_scenario_file,
    options_case,
    run_case,
    scenario_text_case,
)
from tests.properties.cli_cases import argv_case, check_cli_case

#: Entry point -> (strategy, check); what the tests and ``bench/fuzz_inputs.py`` run.
ENTRY_POINTS: dict[str, tuple[st.SearchStrategy[Case], Callable[[Case, Tally | None], None]]] = {
    "scenario files": (scenario_text_case(), check_scenario_file),
    "python api: run()": (run_case(), check_run_options_case),
    "python api: options": (options_case(), check_options_case),
    "cli": (argv_case(), check_cli_case),
}
