"""`{% client_health_card client_id firm_perms %}`: the score and its reasons on the staff
client page, shown only to people with CLIENT_HEALTH_VIEW."""

from __future__ import annotations

from django import template

from apps.accounts.roles import Perm
from apps.clienthealth.selectors import client_health_get, client_health_history

register = template.Library()


@register.inclusion_tag("clienthealth/partials/card.html")
def client_health_card(client_id: int, firm_perms) -> dict:
    if Perm.CLIENT_HEALTH_VIEW not in (firm_perms or ()):
        return {"shown": False}
    history = client_health_history(client_id=client_id, days=90)
    return {"shown": True, "client_id": client_id, "chart_id": f"health-spark-{client_id}",
            "health": client_health_get(client_id=client_id),
            "sparkline": {"labels": [day.isoformat() for day, _ in history],
                          "scores": [score for _, score in history]}}
