"""Model fields for personal identifiers: encrypted at rest, with a keyed-hash companion for lookups.

    identity_number = EncryptedTextField(hash_field="identity_number_hash")
    identity_number_hash = LookupHashField()

The companion is refreshed whenever the model is saved through the ORM (`pre_save`). Bulk paths that bypass
`save()` (COPY, bulk_create) must compute `esb.crypto.lookup_hash` themselves.
"""

from __future__ import annotations

import datetime
import json

from django.core.exceptions import FieldError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import lookups

from esb import crypto


class _EncryptedExact(lookups.Exact):
    """Only emptiness can be compared in SQL: ciphertext is randomised, so `field=value` would silently match
    nothing. Fail loudly and point at the hash companion instead."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None) and not hasattr(self.rhs, "resolve_expression"):
            raise FieldError(
                f"{self.lhs.output_field.name} is encrypted and cannot be compared in SQL; filter on its "
                "lookup-hash field with esb.crypto.lookup_hash(value) instead"
            )
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """Stores `encrypt(str(value))`; returns the plaintext string (or date, see EncryptedDateField)."""

    def __init__(self, *args, hash_field: str | None = None, **kwargs):
        self.hash_field = hash_field
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.hash_field:
            kwargs["hash_field"] = self.hash_field
        return name, path, args, kwargs

    def to_plain(self, value) -> str:
        return "" if value is None else str(value)

    def from_plain(self, text: str):
        return text

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return self.from_plain("") if value == "" else None
        return self.from_plain(crypto.decrypt(value))

    def get_prep_value(self, value):
        text = self.to_plain(value)
        if text == "":
            # a nullable field stores "no value" as SQL NULL, so `isnull` lookups mean what they say
            return None if self.null else ""
        return crypto.encrypt(text)

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if self.hash_field:
            setattr(model_instance, self.hash_field, crypto.lookup_hash(self.to_plain(value)))
        return value

    def get_lookup(self, lookup_name):
        # Ciphertext is randomised: only emptiness checks make sense in SQL. Use the hash field instead.
        if lookup_name == "exact":
            return _EncryptedExact
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None


class EncryptedDateField(EncryptedTextField):
    """A date, encrypted at rest as its ISO string."""

    def to_plain(self, value) -> str:
        if value in (None, ""):
            return ""
        if isinstance(value, datetime.datetime):  # a datetime is a date too, but its ISO form is not
            value = value.date()
        if isinstance(value, datetime.date):
            return value.isoformat()
        return datetime.date.fromisoformat(str(value)).isoformat()

    def from_plain(self, text: str):
        return datetime.date.fromisoformat(text) if text else None

    def formfield(self, **kwargs):
        from django import forms

        return forms.DateField(required=not self.blank, **kwargs)


class LookupHashField(models.CharField):
    """Hex HMAC-SHA256 of a normalised identifier; indexed; never shown."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)


class EncryptedJSONField(EncryptedTextField):
    """A JSON document (an application's answers) encrypted at rest as a whole: answers may carry identity
    numbers, phones and dates of birth, and nobody queries inside them in SQL."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", dict)
        super().__init__(*args, **kwargs)

    def to_plain(self, value) -> str:
        if value in (None, ""):
            return ""
        return json.dumps(value, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder)

    def from_plain(self, text: str):
        return json.loads(text) if text else {}

    def formfield(self, **kwargs):
        return None
