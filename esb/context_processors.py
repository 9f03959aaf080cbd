from django.http import HttpRequest
from django.utils.translation import get_language

from esb.branding import branding_for


def branding(request: HttpRequest) -> dict:
    """Institution branding for the templates, in the active language."""
    return {"branding": branding_for(get_language())}
