"""Acting for a business: which of the person's businesses their applications and audit rows are for."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.selectors import ACTING_FOR_SESSION_KEY
from esb import audit


def set_acting_for(request: HttpRequest, business_id: int | None):
    """Act for one of the person's businesses (or, with None, as themselves). Returns the business; raises
    LookupError when the person has no active role in it."""
    from accounts.selectors import businesses_of

    if business_id is None:
        request.session.pop(ACTING_FOR_SESSION_KEY, None)
        request._esb_acting_business = None
        return None
    business = businesses_of(request.user).filter(pk=business_id).first()
    if business is None:
        raise LookupError(business_id)
    if request.session.get(ACTING_FOR_SESSION_KEY) != business.pk:
        request.session[ACTING_FOR_SESSION_KEY] = business.pk
        audit.record("acting_for.select", business, on_behalf_of=business.single_id)
    request._esb_acting_business = business
    return business
