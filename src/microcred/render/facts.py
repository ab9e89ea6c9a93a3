"""The Annex I elements of a signed ELM or OB3 credential, read back for people to see.

A certificate and a QR code show what the credential says, never what a record file says,
so the facts are read from the signed JSON, once it is checked to be exactly its signed
graph: ELM 3 holds every element in every language of the record; OB3 holds them in its
primary language plus the Markdown criteria narrative (the other languages as ``# [ka] …``
sections). Paths follow docs/annex-i-mapping.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microcred.errors import InputError
from microcred.proofs import signed_form_problem
from microcred.render._elm_facts import read_elm_facts
from microcred.render._facts_model import CertificateFacts, LangText, Outcome, QualityAssurance
from microcred.render._ob3_facts import read_ob3_facts

__all__ = ["CertificateFacts", "LangText", "Outcome", "QualityAssurance", "read_facts"]


def read_facts(document: Mapping[str, Any]) -> CertificateFacts:
    """The facts of an ELM or OB3 credential; InputError if it is neither or lacks an element.

    Only a credential whose JSON is its signed graph in normal form is read: a JSON path may
    otherwise show what no signature covers (see proofs.signed_form_problem).
    """
    problem = signed_form_problem(document)
    if problem is not None:
        raise InputError(f"credential {document.get('id')!r}: {problem}")
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    try:
        if "EuropeanDigitalCredential" in types:
            return read_elm_facts(document)
        if {"AchievementCredential", "OpenBadgeCredential"} & set(types):
            return read_ob3_facts(document)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f"credential {document.get('id')!r} lacks an element a certificate shows ({exc!r})"
        ) from exc
    raise InputError("not an ELM (EuropeanDigitalCredential) or OB3 (AchievementCredential)")
