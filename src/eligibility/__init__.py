"""eligibility: checks Work in NL partners against the covenant's criteria, with explained decisions.

The public API is what ``__all__`` lists; every other module is private.
"""

from ._decision import CriterionDecision, Decision, Outcome, Verdict
from ._dossier import Dossier, Role
from ._errors import (
    DossierError,
    EligibilityError,
    EngineError,
    EngineUnavailable,
    FetchError,
    LayoutChangedError,
    OverlayError,
    ParameterNotInForce,
    RuleError,
    RuleFileError,
    ScrapingError,
)
from ._evaluate import CompiledPack, NativeEngine, evaluate
from ._io import load_dossier, parse_dossier
from ._lint import lint
from ._pack import RulePack, load_pack
from ._version import __version__

__all__ = [
    "CompiledPack",
    "CriterionDecision",
    "Decision",
    "Dossier",
    "DossierError",
    "EligibilityError",
    "EngineError",
    "EngineUnavailable",
    "FetchError",
    "LayoutChangedError",
    "NativeEngine",
    "Outcome",
    "OverlayError",
    "ParameterNotInForce",
    "Role",
    "RuleError",
    "RuleFileError",
    "RulePack",
    "ScrapingError",
    "Verdict",
    "__version__",
    "evaluate",
    "lint",
    "load_dossier",
    "load_pack",
    "parse_dossier",
]
