"""Read a micro-credential spec (YAML/JSON) and a learners CSV into validated, immutable records.

Both readers are all-or-nothing: they return complete records, or raise ``RecordError``
(``BatchRejected`` for learners) listing every problem found, each located by file, field and,
for CSV rows, row. The formats are documented in docs/record-format.md.
"""

from __future__ import annotations

from microcred.elm_models.readers._files import FILE_FIELD
from microcred.elm_models.readers._learners import (
    LEARNER_COLUMNS,
    MAX_LEARNER_ROWS,
    MAX_LEARNERS_BYTES,
    REQUIRED_LEARNER_COLUMNS,
    ROW_FIELD,
    read_learners,
)
from microcred.elm_models.readers._profile_fields import issuer_profile_problems
from microcred.elm_models.readers._spec import MAX_SPEC_BYTES, read_spec

__all__ = [
    "FILE_FIELD",
    "LEARNER_COLUMNS",
    "MAX_LEARNERS_BYTES",
    "MAX_LEARNER_ROWS",
    "MAX_SPEC_BYTES",
    "REQUIRED_LEARNER_COLUMNS",
    "ROW_FIELD",
    "issuer_profile_problems",
    "read_learners",
    "read_spec",
]
