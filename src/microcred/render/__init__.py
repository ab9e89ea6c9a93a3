"""Printable renderings of a signed credential: facts read back from it, the A4 certificate.

The public names live in ``microcred.render.facts`` and ``microcred.render.pdf`` (importing
this package loads neither, so the QR code package can read facts without loading fpdf2).
"""

__all__: list[str] = []
