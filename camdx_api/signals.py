"""A saved or deleted API consumer drops its cached row (services.consumer_by_domain): a deactivation, a
narrowed access list or a lower rate limit takes effect at the next call, not when the cache entry expires."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from camdx_api import services
from camdx_api.models import ApiConsumer


def _forget(domain: str) -> None:
    services.forget_consumer(domain)
    # again once committed: a call between the save and the commit may have cached the row as it was
    transaction.on_commit(lambda: services.forget_consumer(domain))


@receiver(pre_save, sender=ApiConsumer, dispatch_uid="camdx_api.consumer_domain_changed")
def _forget_previous_domain(sender, instance: ApiConsumer, raw: bool = False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    previous = ApiConsumer.objects.filter(pk=instance.pk).values_list("camdigikey_domain", flat=True).first()
    if previous and previous != instance.camdigikey_domain:
        _forget(previous)


@receiver(post_save, sender=ApiConsumer, dispatch_uid="camdx_api.consumer_saved")
@receiver(post_delete, sender=ApiConsumer, dispatch_uid="camdx_api.consumer_deleted")
def _forget_saved(sender, instance: ApiConsumer, **kwargs) -> None:
    _forget(instance.camdigikey_domain)
