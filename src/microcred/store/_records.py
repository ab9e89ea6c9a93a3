"""Learner data housekeeping on the issuer's records."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from microcred.store._models import Credential


def forget_learner(session: Session, learner_ref: str) -> int:
    """Erase ``learner_ref`` from every credential row; returns how many rows held it.

    The credentials stay (their status must remain answerable), but nothing in the store
    links them to the learner any more. Signed files already handed out are not affected.
    """
    result = session.execute(
        update(Credential)
        .where(Credential.learner_ref == learner_ref)
        .values(learner_ref=None)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
