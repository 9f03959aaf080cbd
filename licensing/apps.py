from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = _("Service catalog")

    def ready(self) -> None:
        # A flush (tests) or a migration may reuse definition ids: the form cache starts again from the
        # database (licensing.form_cache; nothing else ever makes a cached version wrong).
        post_migrate.connect(_forget_cached_forms, dispatch_uid="licensing.form_cache.migrate")


def _forget_cached_forms(**kwargs) -> None:
    from licensing import form_cache

    form_cache.forget()
