"""Drop cached roles whenever a membership or a user's active flag changes, and cached
user rows whenever a user changes, however it changed (a service, the admin, a shell)."""

from __future__ import annotations

from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.accounts.access import role_cache_key
from apps.accounts.backends import user_cache_forget
from apps.accounts.models import Membership, User


def _forget_after_commit(keys: list[str]) -> None:
    if keys:
        # Deleting before commit would let a concurrent reader re-cache the old role.
        transaction.on_commit(lambda: caches["public"].delete_many(keys))


@receiver([post_save, post_delete], sender=Membership)
def membership_changed(sender, instance: Membership, **kwargs) -> None:
    _forget_after_commit([role_cache_key(instance.user_id, instance.firm_id)])


@receiver(post_delete, sender=User)
def user_deleted(sender, instance: User, **kwargs) -> None:
    user_cache_forget(instance.pk)


@receiver(post_save, sender=User)
def user_changed(sender, instance: User, update_fields=None, **kwargs) -> None:
    # Every save: the cached row (apps/accounts/backends.py) holds every column.
    user_cache_forget(instance.pk)
    # Sign-in touches last_login only; that never changes access.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    firm_ids = Membership.objects.filter(user_id=instance.pk).values_list("firm_id", flat=True)
    _forget_after_commit([role_cache_key(instance.pk, firm_id) for firm_id in firm_ids])
