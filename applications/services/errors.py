"""What a refused action raises: a message for the person (in their language) and a stable code."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A refused action, with a message for the person (in their language)."""

    def __init__(self, message, code: str = "refused"):
        super().__init__(str(message))
        self.message = message
        self.code = code


class ConsentRequired(ApplicationError):
    def __init__(self):
        super().__init__(_("Please give your consent before we record your application."), "consent")


class StalePage(ApplicationError):
    def __init__(self):
        super().__init__(
            _(
                "This page was out of date (the application changed in another window, or the form was sent "
                "twice). Nothing was lost: here is the latest version."
            ),
            "stale",
        )


class NotEditable(ApplicationError):
    def __init__(self):
        super().__init__(_("This application can no longer be changed."), "not_editable")


@dataclass(frozen=True)
class Missing:
    """A required answer that is still empty, for check-your-answers."""

    step_key: str
    field_key: str
    label: str
