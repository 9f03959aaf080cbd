from django.db import migrations

from esb.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]

    operations = [
        append_only(
            "applications_history_forbid_change",
            "application history",
            {
                "applications_event_append_only": "applications_applicationevent",
                "applications_revision_append_only": "applications_applicationrevision",
            },
        )
    ]
