"""Going through two-step sign-in the way a person does, with a real TOTP code."""

from __future__ import annotations

import time

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def complete_mfa(client: Client, user) -> list[str] | None:
    """Enrol (when the user has no authenticator) or verify. Returns backup codes when it
    enrolled."""
    page = client.get("/accounts/mfa/setup/") if not TOTPDevice.objects.filter(
        user=user, confirmed=True).exists() else None
    if page is not None:
        assert page.status_code == 200, page
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        response = client.post("/accounts/mfa/setup/", {"code": totp_code(device)})
        assert response.status_code == 200
        return response.context["codes"]
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    response = client.post("/accounts/mfa/verify/", {"code": totp_code(device, offset_steps=1)})
    assert response.status_code == 302, response
    return None
