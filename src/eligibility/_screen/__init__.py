"""Batch screening of partner lists (``eligibility screen``): lists in, decisions, log and reports out.

Modules, one job each: ``_lists`` reads CSV/XLSX lists as people make them; ``_dossiers``
builds each row's dossier from the registers; ``_runner`` decides every row (in parallel,
resumably) and logs the decisions; ``_state`` is the work directory's memory; ``_results`` is
one row as the outputs show it; ``_outputs`` (with ``_xlsx`` and ``summary.html.j2``) writes
the files; ``_compare`` says what changed since a previous run.
"""

from ._lists import BadRow, ListError, PartnerList, PartnerRow
from ._runner import ScreenError, ScreenOptions, ScreenReport, screen

__all__ = ["BadRow", "ListError", "PartnerList", "PartnerRow", "ScreenError", "ScreenOptions", "ScreenReport", "screen"]
