from django.db import migrations

from esb.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [
        append_only(
            "payments_history_forbid_change",
            "payment history",
            {
                "payments_event_append_only": "payments_paymentevent",
                "payments_receipt_append_only": "payments_receipt",
            },
        )
    ]
