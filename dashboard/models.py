"""Pre-aggregated figures of the dashboard, derived from the append-only history and never edited by hand
(dashboard.services.folding writes them; docs/dashboard.md).

Every table is keyed by a local day (Asia/Phnom_Penh) and the service (licence type) with its institution and
department as they were when the row was folded, so the officer's scope filters the cells directly. A
department-less service has department NULL; the unique constraints treat NULLs as equal so a cell is one row.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# A processing time of this many working days or more lands in the last bucket.
MAX_BUCKET = 60


class Grain(models.TextChoices):
    DAY = "D", _("day")
    MONTH = "M", _("month")


def _grain():
    """D: a day's cell; M: the same cell for a whole month (day = the 1st), read for the whole months of a
    period."""
    return models.CharField(max_length=1, choices=Grain.choices, default=Grain.DAY)


def _scope_fields():
    """institution, department, service: plain foreign keys without database constraints (the cells only
    count; deleting a service never has to touch them)."""
    return {
        "institution": models.ForeignKey(
            "registry.Institution", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
        ),
        "department": models.ForeignKey(
            "registry.Department",
            on_delete=models.DO_NOTHING,
            db_constraint=False,
            null=True,
            related_name="+",
        ),
        "licence_type": models.ForeignKey(
            "licensing.LicenceType", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
        ),
    }


class Measure(models.TextChoices):
    """What an application event counts as (dashboard.services.folding maps events to these)."""

    CREATED = "CREATED", _("Started")
    RECEIVED = "RECEIVED", _("Received")
    RESUBMITTED = "RESUBMITTED", _("Resubmitted after correction")
    REVIEWING = "REVIEWING", _("Under review")
    RETURNED = "RETURNED", _("Returned for correction")
    APPROVED = "APPROVED", _("Approved")
    REJECTED = "REJECTED", _("Rejected")
    WITHDRAWN = "WITHDRAWN", _("Withdrawn")
    EXPIRED = "EXPIRED", _("Expired")


class Stage(models.TextChoices):
    """The funnel: how far the applications started on a day have gone (each counted once per stage)."""

    STARTED = "STARTED", _("Started")
    SUBMITTED = "SUBMITTED", _("Submitted")
    REVIEWED = "REVIEWED", _("Taken into review")
    APPROVED = "APPROVED", _("Approved")


class ApplicationCount(models.Model):
    grain = _grain()
    day = models.DateField()
    institution = _scope_fields()["institution"]
    department = _scope_fields()["department"]
    licence_type = _scope_fields()["licence_type"]
    measure = models.CharField(max_length=12, choices=Measure.choices)
    count = models.IntegerField(default=0)

    class Meta:
        default_permissions = ()  # derived rows: nobody edits them, the page has its own permission
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "institution", "department", "licence_type", "measure"],
                name="dash_appcount_cell",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.licence_type_id} {self.measure}: {self.count}"


class ProvinceCount(models.Model):
    """Applications received (first submission) per province of the business (NULL: no business, or no
    province on its address)."""

    grain = _grain()
    day = models.DateField()
    institution = _scope_fields()["institution"]
    department = _scope_fields()["department"]
    licence_type = _scope_fields()["licence_type"]
    province = models.ForeignKey(
        "registry.AdministrativeUnit",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    count = models.IntegerField(default=0)

    class Meta:
        default_permissions = ()  # derived rows: nobody edits them, the page has its own permission
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "institution", "department", "licence_type", "province"],
                name="dash_provincecount_cell",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.licence_type_id} {self.province_id}: {self.count}"


class FunnelCount(models.Model):
    """`day` is the day the application was started (its cohort): the cell grows as they move on."""

    grain = _grain()
    day = models.DateField()
    institution = _scope_fields()["institution"]
    department = _scope_fields()["department"]
    licence_type = _scope_fields()["licence_type"]
    stage = models.CharField(max_length=10, choices=Stage.choices)
    count = models.IntegerField(default=0)

    class Meta:
        default_permissions = ()  # derived rows: nobody edits them, the page has its own permission
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "institution", "department", "licence_type", "stage"],
                name="dash_funnelcount_cell",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.licence_type_id} {self.stage}: {self.count}"


class FeeCount(models.Model):
    """Payments confirmed (moved to PAID) on `day`, per method and currency."""

    grain = _grain()
    day = models.DateField()
    institution = _scope_fields()["institution"]
    department = _scope_fields()["department"]
    licence_type = _scope_fields()["licence_type"]
    method = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    count = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        default_permissions = ()  # derived rows: nobody edits them, the page has its own permission
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "institution", "department", "licence_type", "method", "currency"],
                name="dash_feecount_cell",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.licence_type_id} {self.method}: {self.count} {self.amount} {self.currency}"


class DurationCount(models.Model):
    """Processing times completed on `day`, as counts per whole number of working days (0..MAX_BUCKET, the
    last bucket holding everything longer). `step` is a review step's key, or "" for the whole application
    (first submission to decision). `breached`: finished after its due date."""

    grain = _grain()
    day = models.DateField()
    institution = _scope_fields()["institution"]
    department = _scope_fields()["department"]
    licence_type = _scope_fields()["licence_type"]
    step = models.CharField(max_length=50, blank=True)
    working_days = models.PositiveSmallIntegerField()
    breached = models.BooleanField()
    count = models.IntegerField(default=0)

    class Meta:
        default_permissions = ()  # derived rows: nobody edits them, the page has its own permission
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "grain",
                    "day",
                    "institution",
                    "department",
                    "licence_type",
                    "step",
                    "working_days",
                    "breached",
                ],
                name="dash_durationcount_cell",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.licence_type_id} {self.step} {self.working_days}: {self.count}"


class FoldMark(models.Model):
    """How far one history table is folded. Every row with id <= `settled_through` is folded (or was rolled
    back and will never appear); rows above it that were folded already are listed in `FoldedRow`.
    `checkpoint_id` is the highest id seen at `checkpoint_at`: once that moment is older than the longest a
    transaction can run, every id up to it has committed or never will, and it becomes the settled mark."""

    source = models.CharField(max_length=20, primary_key=True)
    settled_through = models.BigIntegerField(default=0)
    checkpoint_id = models.BigIntegerField(default=0)
    checkpoint_at = models.DateTimeField(null=True)
    folded_at = models.DateTimeField(null=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.source} settled through {self.settled_through}"


class FoldedRow(models.Model):
    source = models.CharField(max_length=20)
    row_id = models.BigIntegerField()

    class Meta:
        default_permissions = ()  # derived rows: nobody edits them, the page has its own permission
        constraints = [models.UniqueConstraint(fields=["source", "row_id"], name="dash_foldedrow_unique")]

    def __str__(self) -> str:
        return f"{self.source} {self.row_id}"


class Dashboard(models.Model):
    """No rows: the holder of the `view_dashboard` permission given to roles (accounts.roles)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_dashboard", _("Can view the statistics dashboard"))]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
