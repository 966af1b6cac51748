"""The workbook TierPlan reads and the sheets it writes, declared once.

- :mod:`planner.schema.choices`: every choice as an enum, and the words read as Yes and No;
- :mod:`planner.schema.sheets`: the input sheets, their columns and the Finance settings;
- :mod:`planner.schema.results`: the result sheets, their columns, kinds and number formats.

``from planner import schema`` gives all three under one name.
"""

from planner.schema.choices import *  # noqa: F403
from planner.schema.choices import NO_WORDS, YES_WORDS, values  # noqa: F401
from planner.schema.results import *  # noqa: F403
from planner.schema.results import header_label, result_spec  # noqa: F401
from planner.schema.sheets import *  # noqa: F403
from planner.schema.sheets import sheet_by_name  # noqa: F401
