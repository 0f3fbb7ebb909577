"""Stale the cached roles whenever a membership or a user changes, and the cached user
rows whenever a user changes, however it changed (a service, the admin, a shell). Both
caches are tagged (advisoros/cache_tags.py): the tags are bumped inside the writing
transaction and again after it commits, so no reader can cache the old rows past the
commit."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.accounts.access import user_access_changed
from apps.accounts.backends import user_cache_forget
from apps.accounts.models import Membership, User


@receiver([post_save, post_delete], sender=Membership)
def membership_changed(sender, instance: Membership, **kwargs) -> None:
    user_access_changed(user_id=instance.user_id)


@receiver(post_delete, sender=User)
def user_deleted(sender, instance: User, **kwargs) -> None:
    user_cache_forget(instance.pk)
    user_access_changed(user_id=instance.pk)


@receiver(post_save, sender=User)
def user_changed(sender, instance: User, update_fields=None, **kwargs) -> None:
    # Every save: the cached row (apps/accounts/backends.py) holds every column.
    user_cache_forget(instance.pk)
    # Sign-in touches last_login only; that never changes access.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    user_access_changed(user_id=instance.pk)
