"""Khmer wording of the applicant pages: one word per term on a page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

# "cluster" (the CamDX cluster) is ចង្កោមប្រព័ន្ធ everywhere: in the consent texts (privacy/migrations/
# 0002_consent_texts.py, data) and in the interface strings around them (privacy/forms.py, privacy/models.py,
# privacy templates, translated in locale/km). ក្រុមប្រព័ន្ធ ("group of systems") must not come back.
CLUSTER_WORDS = ("ចង្កោមប្រព័ន្ធ", "ក្រុមប្រព័ន្ធ")


def test_consent_page_uses_one_khmer_word_for_cluster(client):
    user = User.objects.create_user(username="terms", full_name_en="Term Reader", email="t@example.com")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "km"

    html = client.get(reverse("privacy:consent")).content.decode()

    used = [word for word in CLUSTER_WORDS if word in html]
    assert len(used) == 1, used
