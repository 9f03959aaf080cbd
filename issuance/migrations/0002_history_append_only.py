from django.db import migrations

from esb.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("issuance", "0001_initial")]

    operations = [
        append_only(
            "issuance_history_forbid_change",
            "licence history",
            {"issuance_licenceevent_append_only": "issuance_licenceevent"},
        ),
    ]
