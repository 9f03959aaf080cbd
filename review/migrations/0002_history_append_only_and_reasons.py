from django.db import migrations

from esb.append_only import append_only


def seed_reasons(apps, schema_editor):
    from review.reasons import seed_rejection_reasons

    seed_rejection_reasons(apps.get_model("review", "RejectionReason"))


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial")]

    operations = [
        append_only(
            "review_history_forbid_change",
            "review history",
            {
                "review_action_append_only": "review_reviewaction",
                "review_internalnote_append_only": "review_internalnote",
            },
        ),
        migrations.RunPython(seed_reasons, migrations.RunPython.noop),
    ]
