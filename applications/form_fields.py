"""Form fields for application forms: parsing what people type, in Khmer or English.

Every field accepts Khmer digits (០-៩) wherever digits appear, numbers with thousands separators and spaces,
dates as DD/MM/YYYY, D-M-YYYY or YYYY-MM-DD, and phone numbers with spaces, dashes and brackets. Each one also
accepts its stored JSON value (what `initial` holds), because a disabled (locked) field is cleaned from its
initial value. Errors are specific sentences in the active language.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from esb.i18n import localized
from registry import selectors as registry_selectors
from registry.models import IsicActivity

KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
# Spaces people (and word processors) put between groups of digits: ordinary, no-break, thin, narrow.
_DIGIT_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?\d+(\.\d+)?$|^[+-]?\.\d+$")
_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+$")
_ISIC_CODE = re.compile(r"^\s*(\d{4})(?!\d)")
MAX_INPUT = 40  # characters in a number or date input: more is never a number a person typed
MAX_NUMBER_DIGITS = 15  # beyond this a value no longer round-trips through JSON numbers reliably
MAX_DECIMAL_PLACES = 4
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 6, 15
DATE_HINT = gettext_lazy("DD/MM/YYYY")

# The levels of a gazetteer address, top down, and the lowest one that must be chosen: a commune is what
# the registries, inspectors and Part 5 addresses need; many applicants do not know their village's name.


# --- parsing ----------------------------------------------------------------------------------------------


def ascii_digits(value: Any) -> str:
    """Text with Khmer (and full-width) digits as ASCII, invisible characters removed, trimmed."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else ""))
    return text.translate(KHMER_DIGITS).translate(_INVISIBLE).strip()


def clean_text(value: Any, *, multiline: bool = False) -> str:
    """Typed text as stored: NFC, trimmed, no control characters (newlines kept in a textarea)."""
    text = unicodedata.normalize("NFC", str(value if value is not None else ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    keep = {"\n", "\t"} if multiline else set()
    text = "".join(
        ch if ch in keep or unicodedata.category(ch) != "Cc" else ("" if multiline else " ") for ch in text
    )
    return text.strip()


def _number_text(value: Any) -> str:
    text = _DIGIT_SPACES.sub("", ascii_digits(value))
    if "," in text:
        unsigned = text.lstrip("+-")
        integer_part = unsigned.split(".", 1)[0]
        if not _GROUPED.match(integer_part):
            return "?"  # a comma anywhere else is not a thousands separator: refuse rather than guess
        text = text.replace(",", "")
    return text


def parse_integer(value: Any) -> int:
    """12, "1,200", "1 200", "១២០០" → int; raises ValueError."""
    if isinstance(value, bool):
        raise ValueError("bool")
    if isinstance(value, int):
        return value
    text = _number_text(value)
    if len(text) > MAX_INPUT or not _INTEGER.match(text) or len(text.lstrip("+-")) > MAX_NUMBER_DIGITS:
        raise ValueError(text)
    return int(text)


def parse_decimal(value: Any) -> Decimal:
    """ "12.50", "1,250.5", "១២.៥" → Decimal (scale kept); raises ValueError."""
    if isinstance(value, bool):
        raise ValueError("bool")
    text = str(value) if isinstance(value, int | Decimal) else _number_text(value)
    if len(text) > MAX_INPUT or not _DECIMAL.match(text):
        raise ValueError(text)
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    digits = text.lstrip("+-").split(".")
    if len(digits[0]) > MAX_NUMBER_DIGITS:
        raise ValueError(text)
    return number


def parse_date(value: Any) -> datetime.date:
    """31/12/2025, 1-2-2025, 2025-12-31 (any digits) or a date → date; raises ValueError."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = ascii_digits(value)
    if len(text) > MAX_INPUT:
        raise ValueError(text)
    if match := _YMD.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise ValueError(text)
    return datetime.date(year, month, day)  # ValueError for 31/02


def normalize_phone(value: Any) -> str:
    """ "+855 12 345 678" → "+85512345678", "(012) 345-678" → "012345678"; raises ValueError."""
    text = ascii_digits(value)
    if not text or len(text) > MAX_INPUT or not _PHONE_CHARS.match(text):
        raise ValueError(text)
    digits = re.sub(r"\D", "", text)
    if not PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS:
        raise ValueError(text)
    return ("+" if text.startswith("+") else "") + digits


def rule_date(value: Any) -> datetime.date | None:
    """A date bound from FormField.validation ("YYYY-MM-DD" or "today")."""
    if value == "today":
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def show_date(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def show_number(value: Decimal | int) -> str:
    return f"{value:,}"


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ([], (), {})


# --- fields -----------------------------------------------------------------------------------------------


class AnswerField:
    """Mixin: the label used in messages, and the field's required message."""

    required_message = gettext_lazy("Enter “%(label)s”.")

    def __init__(self, *args, label_text: str = "", **kwargs) -> None:
        self.label_text = label_text
        super().__init__(*args, **kwargs)
        self.error_messages["required"] = self.required_message % {"label": label_text}


class TextAnswerField(AnswerField, forms.CharField):
    """Text, textarea, email and phone share the length and pattern rules of licensing.validation."""

    def __init__(
        self, *, rules: dict, multiline: bool = False, kind: str = "text", max_cap: int = 255, **kwargs
    ) -> None:
        self.multiline = multiline
        self.kind = kind
        self.min_chars = rules.get("min_length") if isinstance(rules.get("min_length"), int) else None
        rule_max = rules.get("max_length") if isinstance(rules.get("max_length"), int) else None
        # The rule narrows the cap; it never widens it past what a one-line answer should hold.
        self.max_chars = min(rule_max, max_cap) if rule_max else max_cap
        pattern = rules.get("pattern")
        self.pattern = re.compile(pattern) if isinstance(pattern, str) and pattern else None
        super().__init__(strip=False, **kwargs)

    def to_python(self, value: Any) -> str:
        if value in self.empty_values:
            return ""
        text = clean_text(value, multiline=self.multiline)
        if self.kind == "phone" and text:
            try:
                return normalize_phone(text)
            except ValueError:
                raise ValidationError(
                    _("Enter a phone number, for example 012 345 678 or +855 12 345 678."), code="invalid"
                ) from None
        if self.kind == "email" and text:
            try:
                validate_email(text)
            except ValidationError:
                raise ValidationError(
                    _("Enter an email address in the correct format, like name@example.com."),
                    code="invalid",
                ) from None
        return text

    def validate(self, value: str) -> None:
        super().validate(value)
        if not value:
            return
        if self.max_chars and len(value) > self.max_chars:
            raise ValidationError(
                _("At most %(max)s characters (you entered %(count)s).")
                % {"max": self.max_chars, "count": len(value)},
                code="max_length",
            )
        if self.min_chars and len(value) < self.min_chars:
            raise ValidationError(
                _("At least %(min)s characters (you entered %(count)s).")
                % {"min": self.min_chars, "count": len(value)},
                code="min_length",
            )
        if self.pattern and not self.pattern.search(value):
            raise ValidationError(
                _("Enter “%(label)s” in the format described.") % {"label": self.label_text},
                code="pattern",
            )


class _RangeMixin:
    def _check_range(self, value, low, high, shown) -> None:
        if low is not None and value < low:
            raise ValidationError(_("Must be at least %(min)s.") % {"min": shown(low)}, code="min_value")
        if high is not None and value > high:
            raise ValidationError(_("Must be at most %(max)s.") % {"max": shown(high)}, code="max_value")


class WholeNumberField(AnswerField, _RangeMixin, forms.Field):
    def __init__(self, *, rules: dict, **kwargs) -> None:
        self.low = rules.get("min") if isinstance(rules.get("min"), int) else None
        self.high = rules.get("max") if isinstance(rules.get("max"), int) else None
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if _empty(value):
            return None
        try:
            return parse_integer(value)
        except ValueError:
            raise ValidationError(_("Enter a whole number, for example 12."), code="invalid") from None

    def validate(self, value: int | None) -> None:
        super().validate(value)
        if value is not None:
            self._check_range(value, self.low, self.high, show_number)

    def prepare_value(self, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class DecimalNumberField(AnswerField, _RangeMixin, forms.Field):
    def __init__(self, *, rules: dict, **kwargs) -> None:
        self.low = self._bound(rules.get("min"))
        self.high = self._bound(rules.get("max"))
        super().__init__(**kwargs)

    @staticmethod
    def _bound(value: Any) -> Decimal | None:
        if value is None or isinstance(value, bool):
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None

    def to_python(self, value: Any) -> Decimal | None:
        if _empty(value):
            return None
        try:
            number = parse_decimal(value)
        except ValueError:
            raise ValidationError(_("Enter a number, for example 12.50."), code="invalid") from None
        if -number.as_tuple().exponent > MAX_DECIMAL_PLACES:
            raise ValidationError(
                _("Use at most %(places)s digits after the decimal point.") % {"places": MAX_DECIMAL_PLACES},
                code="decimal_places",
            )
        return number

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)
        if value is not None:
            self._check_range(value, self.low, self.high, show_number)


class FlexibleDateField(AnswerField, forms.Field):
    def __init__(self, *, rules: dict, **kwargs) -> None:
        self.low_rule, self.high_rule = rules.get("min"), rules.get("max")
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime.date | None:
        if _empty(value):
            return None
        try:
            return parse_date(value)
        except (ValueError, TypeError):
            raise ValidationError(_("Enter a real date, for example 31/12/2025."), code="invalid") from None

    def validate(self, value: datetime.date | None) -> None:
        super().validate(value)
        if value is None:
            return
        low, high = rule_date(self.low_rule), rule_date(self.high_rule)
        if low and value < low:
            message = (
                _("The date must be today or later.")
                if self.low_rule == "today"
                else _("The date must be %(min)s or later.") % {"min": show_date(low)}
            )
            raise ValidationError(message, code="min_value")
        if high and value > high:
            message = (
                _("The date must be today or earlier.")
                if self.high_rule == "today"
                else _("The date must be %(max)s or earlier.") % {"max": show_date(high)}
            )
            raise ValidationError(message, code="max_value")

    def prepare_value(self, value: Any) -> Any:
        """A stored ISO date is shown the way people write it; what they typed is shown as typed."""
        if isinstance(value, datetime.date):
            return show_date(value)
        if isinstance(value, str) and _YMD.match(value.strip()):
            try:
                return show_date(parse_date(value))
            except ValueError:
                return value
        return value


class OneChoiceField(AnswerField, forms.ChoiceField):
    required_message = gettext_lazy("Choose “%(label)s”.")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.error_messages["invalid_choice"] = _("Choose one of the options listed.")


class SeveralChoicesField(AnswerField, forms.MultipleChoiceField):
    required_message = gettext_lazy("Choose at least one option for “%(label)s”.")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.error_messages["invalid_choice"] = _("Choose only options listed.")
        self.error_messages["invalid_list"] = _("Choose only options listed.")


class YesNoField(AnswerField, forms.ChoiceField):
    """A yes/no question as two radios: "required" means an answer, either way (a checkbox could not tell
    "no" from "not answered")."""

    required_message = gettext_lazy("Answer “%(label)s” with yes or no.")
    TRUE, FALSE = "yes", "no"

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("choices", [(self.TRUE, gettext_lazy("Yes")), (self.FALSE, gettext_lazy("No"))])
        super().__init__(**kwargs)
        self.error_messages["invalid_choice"] = _("Answer yes or no.")

    def prepare_value(self, value: Any) -> Any:
        if value is True:
            return self.TRUE
        if value is False:
            return self.FALSE
        return value

    def to_python(self, value: Any) -> str:
        return super().to_python(self.prepare_value(value))

    def clean(self, value: Any) -> bool | None:
        cleaned = super().clean(value)
        return None if cleaned == "" else cleaned == self.TRUE


class IsicActivityField(AnswerField, forms.CharField):
    """An ISIC class code from "4711", "4711 — Retail sale…" or an exact title (English or Khmer)."""

    required_message = gettext_lazy("Choose “%(label)s” from the list.")

    def to_python(self, value: Any) -> str:
        text = clean_text(value)
        if not text:
            return ""
        digits = ascii_digits(text)
        classes = IsicActivity.objects.filter(level=IsicActivity.Level.CLASS)
        if match := _ISIC_CODE.match(digits):
            code = match.group(1)
            if classes.filter(code=code).exists():
                return code
        elif len(text) <= 255:
            found = list(
                classes.filter(Q(title_en__iexact=text) | Q(title_km__iexact=text)).values_list(
                    "code", flat=True
                )[:2]
            )
            if len(found) == 1:
                return found[0]
        raise ValidationError(_("Choose an activity from the list."), code="invalid_choice")

    def to_python_quiet(self, value: Any) -> str:
        try:
            return self.to_python(value)
        except ValidationError:
            return ""

    def prepare_value(self, value: Any) -> Any:
        """A stored code is shown with its title, so the applicant sees what it means."""
        if isinstance(value, str) and re.fullmatch(r"\d{4}", value):
            activity = registry_selectors.isic_by_code(value)
            if activity:
                return isic_label(activity)
        return value


def isic_label(activity: IsicActivity) -> str:
    return registry_selectors.isic_label(activity)


# --- files ------------------------------------------------------------------------------------------------


class SeveralFilesInput(forms.ClearableFileInput):
    """`<input type="file" multiple>`: the browser sends every chosen file under the field's name."""

    allow_multiple_selected = True
    template_name = "django/forms/widgets/file.html"  # no "clear" checkbox: a new choice replaces the files


class DocumentField(AnswerField, forms.FileField):
    """A supporting document, checked by applications.uploads.check_upload (content, size, format).

    With `multiple` the field takes several files (up to MAX_FILES), each checked on its own; `clean` then
    returns a list of checked uploads. Every message names the field (and the file, when there are several),
    because the error summary lists them together."""

    required_message = gettext_lazy("Upload “%(label)s”.")
    MAX_FILES = 10

    def __init__(self, *, formats: list[str], max_size_mb: int, multiple: bool = False, **kwargs) -> None:
        self.formats = formats
        self.max_size_mb = max_size_mb
        self.multiple = multiple
        super().__init__(**kwargs)

    def _check(self, upload, name_file: bool):
        from applications.uploads import check_upload

        try:
            return check_upload(upload, formats=self.formats, max_size_mb=self.max_size_mb)
        except ValidationError as exc:
            if name_file:
                named = _("“%(label)s”, %(file)s: %(problem)s")
                extra = {"file": getattr(upload, "name", "")}
            else:
                named, extra = _("“%(label)s”: %(problem)s"), {}
            raise ValidationError(
                [named % {"label": self.label_text, "problem": m, **extra} for m in exc.messages],
                code=getattr(exc, "code", None) or "invalid",
            ) from exc

    def clean(self, data: Any, initial: Any = None):
        files = [f for f in data if f] if isinstance(data, list | tuple) else ([data] if data else [])
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        if not self.multiple:
            return self._check(files[0], name_file=False)
        if len(files) > self.MAX_FILES:
            raise ValidationError(
                _("“%(label)s”: choose at most %(count)s files.")
                % {"label": self.label_text, "count": self.MAX_FILES},
                code="too_many",
            )
        checked, errors = [], []
        for upload in files:
            try:
                checked.append(self._check(upload, name_file=True))
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
        return checked

    def has_changed(self, initial: Any, data: Any) -> bool:
        return bool(data)


def choice_options(rules: dict) -> list[tuple[str, str]]:
    options = []
    for choice in rules.get("choices") or []:
        if isinstance(choice, dict) and isinstance(choice.get("value"), str):
            label = localized(choice.get("label_km") or "", choice.get("label_en") or "")
            options.append((choice["value"], label or choice["value"]))
    return options
