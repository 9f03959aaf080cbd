from django.db import migrations

ROLES = {
    "reception_officer": ("Reception officer", "មន្ត្រីទទួលពាក្យ", 10),
    "technical_officer": ("Technical officer", "មន្ត្រីបច្ចេកទេស", 20),
    "head_of_office": ("Head of office", "ប្រធានការិយាល័យ", 30),
    "approver": ("Approver (director)", "អ្នកអនុម័ត (នាយក)", 40),
    "report_viewer": ("Report viewer", "អ្នកមើលរបាយការណ៍", 50),
    "service_administrator": ("Service administrator", "អ្នកគ្រប់គ្រងសេវា", 60),
    "system_administrator": ("System administrator", "អ្នកគ្រប់គ្រងប្រព័ន្ធ", 70),
}


def create_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, (name_en, name_km, order) in ROLES.items():
        Role.objects.update_or_create(
            code=code, defaults={"name_en": name_en, "name_km": name_km, "sort_order": order}
        )


def remove_roles(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(code__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_roles, remove_roles)]
