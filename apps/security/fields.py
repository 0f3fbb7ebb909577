"""A model field whose values are encrypted at rest and masked unless revealed.

Reading the field gives a `Sensitive` value: printing it, putting it in a template, a log
line, an exception or a serializer shows only the mask (***-**-1234). The plaintext comes
out only through `.reveal()`, which views call after `has_permission(SENSITIVE_REVEAL)`
and an audit record (apps.security.reveal).
"""

from __future__ import annotations

from django.db import models

from apps.security import crypto


class Sensitive:
    __slots__ = ("_plaintext", "kind")

    def __init__(self, plaintext: str, kind: str):
        self._plaintext = plaintext
        self.kind = kind

    def reveal(self) -> str:
        return self._plaintext

    @property
    def masked(self) -> str:
        return crypto.mask(self._plaintext, kind=self.kind)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"<Sensitive {self.kind} {self.masked}>"

    def __eq__(self, other) -> bool:
        if isinstance(other, Sensitive):
            return self._plaintext == other._plaintext
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._plaintext)

    def __bool__(self) -> bool:
        return bool(self._plaintext)

    def __reduce__(self):
        # Never pickle the plaintext into a cache or a queue.
        raise TypeError("sensitive values are not picklable")


class Ciphertext(str):
    """A value that is already encrypted (written by the key-rotation command)."""


class EncryptedField(models.TextField):
    """Stores `v1:<key id>:<ciphertext>`; `kind` (ssn / ein / account) picks the mask."""

    def __init__(self, *args, kind: str = "account", **kwargs):
        self.kind = kind
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        # Rows inserted by SQL (seeds, COPY) get an empty value, not a NULL violation.
        kwargs.setdefault("db_default", "")
        # Never in a ModelForm or the admin: a form would show the mask and save it back
        # as the value. Identifiers change through their own service and page.
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        if kwargs.get("editable") is False:
            del kwargs["editable"]  # implied by this field
        return name, path, args, kwargs

    @property
    def context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return Sensitive(crypto.decrypt(value, context=self.context), self.kind)

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        if value is None or value == "":
            return value
        if isinstance(value, Sensitive):
            value = value.reveal()
        if isinstance(value, Ciphertext):
            return str(value)
        return crypto.encrypt(str(value), context=self.context)

    def value_to_string(self, obj) -> str:
        # Serialisation (dumpdata, admin history) sees the mask, never the plaintext.
        value = self.value_from_object(obj)
        return str(value) if value else ""
