import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from esb.fields import EncryptedDateField, EncryptedTextField, LookupHashField


@pytest.fixture
def probe_model(db):
    """A throw-away model with encrypted fields, created inside the test transaction (no migration).

    It lives in its own app registry (`model._meta.apps`), so the real registry never sees it.
    """
    with isolate_apps("esb"):

        class CryptoProbe(models.Model):
            label = models.CharField(max_length=20, default="")
            id_number = EncryptedTextField(hash_field="id_number_hash")
            id_number_hash = LookupHashField()
            born_on = EncryptedDateField(null=True)

            class Meta:
                app_label = "esb"
                db_table = "esb_test_cryptoprobe"

            def __str__(self) -> str:
                return self.label

        with connection.schema_editor() as editor:
            editor.create_model(CryptoProbe)
        yield CryptoProbe
