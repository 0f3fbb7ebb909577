"""Sign-in risk: a score from what the platform already knows about the user.

Each rule adds points; the total picks the level. The rules and thresholds are data so
the firm admins' security page can show exactly what is applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from apps.security.models import SignInRecord


@dataclass(frozen=True)
class RiskRule:
    code: str
    description: str
    points: int


RULES = {
    "new_device": RiskRule("new_device", "Sign-in from a browser never used by this account",
                           30),
    "new_network": RiskRule("new_network",
                            "Sign-in from a network (/24 or /48) never used by this account",
                            20),
    "unusual_hour": RiskRule("unusual_hour",
                             "Sign-in more than 2 hours away from any of this account's usual "
                             "hours (needs 5 earlier sign-ins)", 15),
    "recent_failures": RiskRule("recent_failures",
                                "3 or more failed sign-ins for this account in the last hour",
                                25),
    "many_recent_failures": RiskRule("many_recent_failures",
                                     "10 or more failed sign-ins for this account in the last "
                                     "hour", 40),
}
RISKY_AT = 40
CRITICAL_AT = 80
HISTORY_SIZE = 50


@dataclass(frozen=True)
class RiskAssessment:
    score: int
    level: str
    reasons: list[str]


def _hour_distance(a: int, b: int) -> int:
    diff = abs(a - b) % 24
    return min(diff, 24 - diff)


def sign_in_risk_assess(*, user, email: str, network: str, device_hash: str,
                        hour_utc: int) -> RiskAssessment:
    now = timezone.now()
    history = list(
        SignInRecord.objects.filter(user=user, succeeded=True)
        .order_by("-created_at")
        .values_list("network", "device_hash", "hour_utc")[:HISTORY_SIZE]
    )
    reasons: list[str] = []
    # With no history, everything is new: that is a first sign-in, not a signal.
    if history:
        if device_hash not in {row[1] for row in history}:
            reasons.append("new_device")
        if network and network not in {row[0] for row in history}:
            reasons.append("new_network")
        if len(history) >= 5 and all(_hour_distance(hour_utc, row[2]) > 2 for row in history):
            reasons.append("unusual_hour")
    failures = SignInRecord.objects.filter(
        attempted_email=email, succeeded=False, created_at__gte=now - timedelta(hours=1)
    ).count()
    if failures >= 10:
        reasons.append("many_recent_failures")
    elif failures >= 3:
        reasons.append("recent_failures")
    score = sum(RULES[code].points for code in reasons)
    if score >= CRITICAL_AT:
        level = SignInRecord.Level.CRITICAL
    elif score >= RISKY_AT:
        level = SignInRecord.Level.RISKY
    else:
        level = SignInRecord.Level.LOW
    return RiskAssessment(score=score, level=level, reasons=reasons)
