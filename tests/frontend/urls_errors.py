"""The project's URLs plus views that fail on purpose, to exercise the error handlers."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from esb.urls import handler400, handler403, handler404, handler500
from esb.urls import urlpatterns as project_urlpatterns


def _forbidden(request):
    raise PermissionDenied("internal reason that must not be shown")


def _bad(request):
    raise SuspiciousOperation("internal reason that must not be shown")


def _boom(request):
    raise RuntimeError("secret stack detail that must not be shown")


urlpatterns = [
    path("test-errors/403/", _forbidden),
    path("test-errors/400/", _bad),
    path("test-errors/500/", _boom),
    *project_urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
