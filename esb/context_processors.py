from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language


def branding(request: HttpRequest) -> dict:
    """Institution branding for the templates, in the active language."""
    brand = settings.ESB_BRANDING
    khmer = (get_language() or "").startswith("km")
    return {
        "branding": {
            "portal_name": brand["PORTAL_NAME_KM"] if khmer else brand["PORTAL_NAME_EN"],
            "institution_name": brand["INSTITUTION_NAME_KM"] if khmer else brand["INSTITUTION_NAME_EN"],
            "primary_color": brand["PRIMARY_COLOR"],
            "logo": brand["LOGO_STATIC_PATH"],
            "support_email": brand["SUPPORT_EMAIL"],
            "support_phone": brand["SUPPORT_PHONE"],
        }
    }
