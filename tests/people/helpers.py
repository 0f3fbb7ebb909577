"""Small helpers shared by the people tests."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from tests.people.smtp import bodies

_LINK = re.compile(r"https?://\S+/invitations/\S+/")


def invitation_path(message) -> str:
    """The path of the invitation link in a delivered message."""
    text, _ = bodies(message)
    return urlparse(_LINK.search(text).group(0)).path
