"""Scenario runner: ``vtd-scenario/1`` files in, ``vtd-results/1`` documents out.

Modules: ``numbers`` (number and source-id syntax), ``steps`` (the typed scenario), ``parse``
(load and validate), ``registers`` (register names, CAP.FRO/ECAP.IRO placement), ``execute``
(the Engine protocol, the model engine), ``results`` (results documents, expectations,
comparison). The command line, which also runs scenarios on the RTL, is the testbench's
``python -m tb.flows.scenario`` (the model never imports the testbench).
"""

from .execute import Engine, EngineError, ModelEngine, Run, execute, run_model
from .numbers import NumberError, parse_number, parse_sid, to_hex
from .parse import ScenarioError, load, parse_document, parse_text
from .results import (
    Difference,
    Event,
    ExpectFailure,
    FaultRecordEntry,
    ResultsDoc,
    StepResult,
    check_expects,
    compare,
)
from .steps import Scenario, Step

__all__ = [
    "Difference", "Engine", "EngineError", "Event", "ExpectFailure", "FaultRecordEntry",
    "ModelEngine", "NumberError", "ResultsDoc", "Run", "Scenario", "ScenarioError", "Step",
    "StepResult", "check_expects", "compare", "execute", "load", "parse_document",
    "parse_number", "parse_sid", "parse_text", "run_model", "to_hex",
]
