"""Version 1 of both consent texts, published, in Khmer and English: short sentences saying what is shared,
with whom, why, for how long and how to withdraw."""

from django.db import migrations
from django.utils import timezone

CAMDX_TITLE_KM = "ការចែករំលែកទិន្នន័យរបស់អ្នក នៅក្នុងចង្កោមប្រព័ន្ធ CamDX"
CAMDX_TITLE_EN = "Sharing your data within the CamDX cluster"
CAMDX_BODY_KM = """\
ទិន្នន័យដែលយើងចែករំលែក៖ ឈ្មោះ លេខអត្តសញ្ញាណ និងព័ត៌មានទំនាក់ទំនងរបស់អ្នក។ ព័ត៌មានអំពីអាជីវកម្មរបស់អ្នក។ ព័ត៌មាន និងឯកសារនៅក្នុងពាក្យស្នើសុំរបស់អ្នក។

ចែករំលែកជាមួយអ្នកណា៖ តែក្រសួង និងស្ថាប័នដែលផ្តល់សេវាអេឡិចត្រូនិកសម្រាប់អាជីវកម្ម ហើយភ្ជាប់ទៅ CamDX ប៉ុណ្ណោះ។ CamDX គឺជាប្រព័ន្ធផ្លាស់ប្តូរទិន្នន័យរបស់រាជរដ្ឋាភិបាលកម្ពុជា។ CamDX ពិនិត្យ និងកត់ត្រារាល់ការផ្លាស់ប្តូរទិន្នន័យ។

ហេតុអ្វី៖ ដើម្បីបំពេញទម្រង់បែបបទរបស់អ្នក ដោយប្រើទិន្នន័យដែលរដ្ឋមានរួចហើយ។ ដើម្បីពិនិត្យពាក្យស្នើសុំរបស់អ្នក។ ដើម្បីចេញអាជ្ញាប័ណ្ណឱ្យអ្នក។ អ្នកមិនចាំបាច់ផ្តល់ព័ត៌មានដដែលពីរដងទេ។ យើងមិនប្រើទិន្នន័យរបស់អ្នក សម្រាប់គោលបំណងផ្សេងទៀតទេ។

រយៈពេល៖ យើងរក្សាទុកពាក្យស្នើសុំ និងអាជ្ញាប័ណ្ណរបស់អ្នក តាមរយៈពេលដែលច្បាប់តម្រូវ។

ជម្រើសរបស់អ្នក៖ ការយល់ព្រមនេះចាំបាច់ ដើម្បីដាក់ពាក្យស្នើសុំតាមអនឡាញ។ អ្នកអាចដកការយល់ព្រមនេះវិញបានគ្រប់ពេល នៅទំព័រ «ទិន្នន័យរបស់ខ្ញុំ»។ បន្ទាប់មក អ្នកមិនអាចចាប់ផ្តើមពាក្យស្នើសុំថ្មីបានទេ រហូតដល់អ្នកយល់ព្រមម្តងទៀត។ សេចក្តីព្រាងដែលអ្នកមិនទាន់បានដាក់ស្នើ នឹងត្រូវលុបចោល។ ពាក្យស្នើសុំដែលអ្នកបានដាក់ស្នើរួចហើយ ត្រូវរក្សាទុក តាមការតម្រូវរបស់ច្បាប់។"""
CAMDX_BODY_EN = """\
What we share: your name, identity number and contact details; the details of your business; the information and documents in your application.

With whom: only the ministries and institutions that deliver e-services for business and are connected to CamDX. CamDX is the Cambodian government's data exchange. It checks and records every exchange of data.

Why: to fill in your forms with data the government already holds, to check your application and to issue your licence. You do not have to give the same information twice. We do not use your data for any other purpose.

How long: we keep your applications and your licences for as long as the law requires.

Your choice: you need this consent to apply online. You can withdraw it at any time on the "My data" page. After that, you cannot start a new application until you consent again. Drafts you have not submitted are deleted. Applications you have already submitted are kept, as the law requires."""

OUTSIDE_TITLE_KM = "ការចែករំលែកទិន្នន័យរបស់អ្នក នៅក្រៅចង្កោមប្រព័ន្ធ CamDX (ស្រេចចិត្ត)"
OUTSIDE_TITLE_EN = "Sharing your data outside the CamDX cluster (optional)"
OUTSIDE_BODY_KM = """\
ទិន្នន័យដែលយើងអាចចែករំលែក៖ ឈ្មោះអាជីវកម្មរបស់អ្នក លេខសម្គាល់តែមួយ (Single ID) អាសយដ្ឋាន និងអាជ្ញាប័ណ្ណដែលអាជីវកម្មនោះមាន។ ឈ្មោះរបស់អ្នក ជាម្ចាស់ ឬជាតំណាងអាជីវកម្ម។ យើងមិនចែករំលែកលេខអត្តសញ្ញាណ លេខទូរស័ព្ទ ឬថ្ងៃខែឆ្នាំកំណើតរបស់អ្នកទេ។

ចែករំលែកជាមួយអ្នកណា៖ ស្ថាប័នសាធារណៈ និងអង្គភាពដែលមានការអនុញ្ញាត តែមិនភ្ជាប់ទៅចង្កោមប្រព័ន្ធ CamDX។ ឧទាហរណ៍៖ ធនាគារ ឬសមាគមអាជីវកម្ម ដែលសុំបញ្ជាក់អាជ្ញាប័ណ្ណរបស់អ្នក។

ហេតុអ្វី៖ ដើម្បីឱ្យពួកគេអាចបញ្ជាក់អាជ្ញាប័ណ្ណរបស់អ្នកបាន ដោយមិនចាំបាច់សុំច្បាប់ចម្លងជាក្រដាសពីអ្នក។

រយៈពេល៖ អង្គភាពនីមួយៗ រក្សាទុកទិន្នន័យសម្រាប់តែគោលបំណងដែលខ្លួនបានសុំប៉ុណ្ណោះ។ យើងកត់ត្រារាល់ការចែករំលែក។ អ្នកអាចមើលកំណត់ត្រានេះ នៅទំព័រ «ទិន្នន័យរបស់ខ្ញុំ»។

ជម្រើសរបស់អ្នក៖ ការយល់ព្រមនេះ ជាការស្រេចចិត្ត។ បើគ្មានការយល់ព្រមនេះ អ្នកនៅតែអាចដាក់ពាក្យស្នើសុំគ្រប់សេវាបាន។ អ្នកអាចដកការយល់ព្រមនេះវិញបានគ្រប់ពេល នៅទំព័រ «ទិន្នន័យរបស់ខ្ញុំ»។ យើងនឹងឈប់ចែករំលែក ចាប់ពីពេលនោះតទៅ។"""
OUTSIDE_BODY_EN = """\
What we may share: the name of your business, its Single ID, its address and the licences it holds; your name, as its owner or representative. We never share your identity number, phone number or date of birth.

With whom: public bodies and approved organisations that are not connected to the CamDX cluster. For example, a bank or a business association that asks to confirm your licence.

Why: so that they can confirm your licence without asking you for paper copies.

How long: each organisation keeps the data only for the purpose it asked for. We record every sharing. You can see this record on the "My data" page.

Your choice: this consent is optional. Without it, you can still apply for every service. You can withdraw it at any time on the "My data" page. We then stop sharing from that moment on."""

TEXTS = [
    ("CAMDX_CLUSTER", CAMDX_TITLE_KM, CAMDX_TITLE_EN, CAMDX_BODY_KM, CAMDX_BODY_EN),
    ("OUTSIDE_CLUSTER", OUTSIDE_TITLE_KM, OUTSIDE_TITLE_EN, OUTSIDE_BODY_KM, OUTSIDE_BODY_EN),
]


def create_texts(apps, schema_editor):
    ConsentText = apps.get_model("privacy", "ConsentText")
    now = timezone.now()
    for purpose, title_km, title_en, body_km, body_en in TEXTS:
        ConsentText.objects.get_or_create(
            purpose=purpose,
            version=1,
            defaults={
                "title_km": title_km,
                "title_en": title_en,
                "body_km": body_km,
                "body_en": body_en,
                "status": "PUBLISHED",
                "published_at": now,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(create_texts, migrations.RunPython.noop)]
