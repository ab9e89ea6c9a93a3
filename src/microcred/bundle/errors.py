"""Errors of trust bundles, under the one :class:`microcred.errors.MicrocredError` tree.

MicrocredError
└── BundleError              a bundle cannot be exported, or is malformed, tampered with,
    │                        signed by a key its issuer does not control, or too large
    └── UntrustedBundleSigner  the bundle is signed by a DID the verifier does not trust
"""

from __future__ import annotations

from microcred.errors import MicrocredError

__all__ = ["BundleError", "UntrustedBundleSigner"]


class BundleError(MicrocredError):
    """The trust bundle cannot be produced or cannot be relied on."""


class UntrustedBundleSigner(BundleError):
    """The bundle's signer is not among the DIDs the verifier was told to trust."""

    def __init__(self, message: str, *, signer: str) -> None:
        super().__init__(message)
        self.signer = signer
