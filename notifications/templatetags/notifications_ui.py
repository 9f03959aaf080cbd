"""The notifications link of the portal header. Load with `{% load notifications_ui %}`."""

from __future__ import annotations

from django import template

from notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/includes/link.html", takes_context=True)
def notifications_link(context) -> dict:
    """A "Notifications" link with the unread count; nothing for an anonymous visitor."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {"show": True, "unread": selectors.unread_count(user), "request": request}


@register.inclusion_tag("notifications/includes/my_data.html", takes_context=True)
def my_channel_data(context) -> dict:
    """The person's Telegram and SMS channels on the privacy app's "my data" page (masked)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {"show": True, **selectors.personal_data_of(user)}
