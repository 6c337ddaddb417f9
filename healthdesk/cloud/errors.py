"""Cloud failures a user can act on; each message is one line and never contains a secret."""

from __future__ import annotations


class CloudError(Exception):
    """Base: the WHOOP cloud could not do what was asked."""


class NeedsReauth(CloudError):
    """The grant is gone (refresh token spent/revoked, second 401): sign in again; local data is kept."""


class AuthError(CloudError):
    """Sign-in failed: consent denied, state mismatch, wrong client id/secret, redirect problems."""


class CloudUnavailable(CloudError):
    """Network errors or 5xx answers persisted through the bounded retries."""


class BadResponse(CloudError):
    """WHOOP answered with something that is not the documented JSON (malformed body, 400)."""
