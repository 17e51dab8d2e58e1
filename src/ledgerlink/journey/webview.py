"""Spotting in-app browsers (mail and social apps), where some platforms refuse sign-in."""

from __future__ import annotations

import re

# Markers that in-app browsers put in their user agent.
IN_APP = re.compile(
    r"FBAN|FBAV|FB_IAB|Instagram|LinkedInApp|Twitter|Line/|WhatsApp|MicroMessenger|"
    r"GSA/|Snapchat|Pinterest|; wv\)",
)


def in_app_browser(user_agent: str) -> bool:
    return bool(IN_APP.search(user_agent or ""))
