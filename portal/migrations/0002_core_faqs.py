"""Four core FAQs so that a fresh deployment's help page is not empty. A frozen copy of the first four of
`portal/demo.py` (a migration must not change when that file does); later edits happen in the back-office."""

from django.db import migrations

# (category, order, question_km, question_en, answer_km, answer_en)
CORE_FAQS = [
    (
        "general",
        10,
        "តើវិបផតថលនេះជាអ្វី?",
        "What is this portal?",
        "វិបផតថលនេះអនុញ្ញាតឱ្យអ្នកដាក់ពាក្យស្នើសុំអាជ្ញាប័ណ្ណ លិខិតអនុញ្ញាត និងវិញ្ញាបនបត្រអាជីវកម្មតាមអនឡាញ "
        "បង់ថ្លៃសេវា និងតាមដានពាក្យស្នើសុំរបស់អ្នករហូតដល់ទាញយកអាជ្ញាប័ណ្ណ។\n"
        "\n"
        "អ្នកមិនចាំបាច់អញ្ជើញមកក្រសួងដោយផ្ទាល់ទេ។",
        "This portal lets you apply online for business licences, permits and certificates, pay the fees and "
        "follow your application until you download your licence.\n"
        "\n"
        "You do not need to come to the ministry in person.",
    ),
    (
        "account",
        20,
        "តើខ្ញុំចូលប្រើប្រាស់ដោយរបៀបណា?",
        "How do I log in?",
        "សូមចូលប្រើប្រាស់ដោយ CamDigiKey៖ ចុច «ចូល» រួចស្កេនកូដ QR ដោយកម្មវិធី CamDigiKey នៅលើទូរស័ព្ទរបស់អ្នក។\n"
        "\n"
        "ប្រសិនបើអ្នកមិនទាន់មានគណនី CamDigiKey ទេ សូមដំឡើងកម្មវិធីនេះ "
        "ហើយចុះឈ្មោះដោយប្រើអត្តសញ្ញាណប័ណ្ណសញ្ជាតិខ្មែររបស់អ្នក។",
        "Log in with CamDigiKey: choose “Log in”, then scan the QR code with the CamDigiKey app on your phone.\n"
        "\n"
        "If you do not have a CamDigiKey account yet, install the app and register with your Khmer national ID "
        "card.",
    ),
    (
        "payment",
        30,
        "តើខ្ញុំអាចបង់ថ្លៃសេវាដោយរបៀបណា?",
        "How can I pay the fee?",
        "សូមស្កេនកូដ KHQR ដែលបង្ហាញនៅចុងបញ្ចប់នៃពាក្យស្នើសុំ ដោយប្រើកម្មវិធីធនាគារចល័តណាមួយនៅកម្ពុជា ឬបង់ដោយកាត "
        "Visa, Mastercard ឬ UnionPay។\n"
        "\n"
        "ពាក្យស្នើសុំរបស់អ្នកនឹងត្រូវបានដាក់ជូនភ្លាមៗ នៅពេលការបង់ប្រាក់ត្រូវបានបញ្ជាក់ ហើយអ្នកនឹងទទួលបានបង្កាន់ដៃ។",
        "Scan the KHQR code shown at the end of your application with any Cambodian mobile banking app, or pay "
        "with a Visa, Mastercard or UnionPay card.\n"
        "\n"
        "Your application is submitted as soon as the payment is confirmed, and you receive a receipt.",
    ),
    (
        "applying",
        40,
        "តើខ្ញុំតាមដានពាក្យស្នើសុំរបស់ខ្ញុំដោយរបៀបណា?",
        "How do I follow my application?",
        "សូមចូលប្រើប្រាស់ ហើយបើក «ពាក្យស្នើសុំរបស់ខ្ញុំ»៖ ពាក្យស្នើសុំនីមួយៗបង្ហាញស្ថានភាព "
        "និងជំហាននីមួយៗដែលបានអនុវត្ត។ យើងក៏ជូនដំណឹងដល់អ្នកតាមការជូនដំណឹង និងតាមអ៊ីមែល រាល់ពេលស្ថានភាពផ្លាស់ប្តូរ។\n"
        "\n"
        "ប្រសិនបើមន្ត្រីបញ្ជូនពាក្យស្នើសុំរបស់អ្នកត្រឡប់មកវិញដើម្បីកែតម្រូវ សូមកែតម្រូវ ហើយដាក់ជូនម្តងទៀត។",
        "Log in and open “My applications”: each application shows its status and every step taken. We also tell "
        "you by notification and by email whenever its status changes.\n"
        "\n"
        "If an officer returns your application for a correction, correct it and submit it again.",
    ),
]


def create(apps, schema_editor):
    FAQ = apps.get_model("portal", "FAQ")
    for category, order, question_km, question_en, answer_km, answer_en in CORE_FAQS:
        FAQ.objects.get_or_create(
            question_en=question_en,
            defaults={
                "category": category,
                "sort_order": order,
                "question_km": question_km,
                "answer_km": answer_km,
                "answer_en": answer_en,
                "is_published": True,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
