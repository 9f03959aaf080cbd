"""Demo help content: bilingual FAQs covering applying, documents, payment and accounts.

Idempotent: each FAQ is matched on its English question and created only when missing, so an
administrator's later edits are kept. Migration 0002 already creates the first four on every deployment.
"""

from __future__ import annotations

from portal.models import FAQ

# (category, order, question_km, question_en, answer_km, answer_en); paragraphs separated by a blank line.
FAQS: list[tuple[str, int, str, str, str, str]] = [
    (
        FAQ.Category.GENERAL,
        10,
        "តើវិបផតថលនេះជាអ្វី?",
        "What is this portal?",
        "វិបផតថលនេះអនុញ្ញាតឱ្យអ្នកដាក់ពាក្យស្នើសុំអាជ្ញាប័ណ្ណ លិខិតអនុញ្ញាត និងវិញ្ញាបនបត្រអាជីវកម្មតាមអនឡាញ "
        "បង់ថ្លៃសេវា និងតាមដានពាក្យស្នើសុំរបស់អ្នករហូតដល់ទាញយកអាជ្ញាប័ណ្ណ។\n\n"
        "អ្នកមិនចាំបាច់អញ្ជើញមកក្រសួងដោយផ្ទាល់ទេ។",
        "This portal lets you apply online for business licences, permits and certificates, pay the fees and "
        "follow your application until you download your licence.\n\n"
        "You do not need to come to the ministry in person.",
    ),
    (
        FAQ.Category.ACCOUNT,
        20,
        "តើខ្ញុំចូលប្រើប្រាស់ដោយរបៀបណា?",
        "How do I log in?",
        "សូមចូលប្រើប្រាស់ដោយ CamDigiKey៖ ចុច «ចូល» រួចស្កេនកូដ QR ដោយកម្មវិធី CamDigiKey "
        "នៅលើទូរស័ព្ទរបស់អ្នក។\n\n"
        "ប្រសិនបើអ្នកមិនទាន់មានគណនី CamDigiKey ទេ សូមដំឡើងកម្មវិធីនេះ "
        "ហើយចុះឈ្មោះដោយប្រើអត្តសញ្ញាណប័ណ្ណសញ្ជាតិខ្មែររបស់អ្នក។",
        "Log in with CamDigiKey: choose “Log in”, then scan the QR code with the CamDigiKey app on your "
        "phone.\n\n"
        "If you do not have a CamDigiKey account yet, install the app and register with your Khmer national "
        "ID card.",
    ),
    (
        FAQ.Category.PAYMENT,
        30,
        "តើខ្ញុំអាចបង់ថ្លៃសេវាដោយរបៀបណា?",
        "How can I pay the fee?",
        "សូមស្កេនកូដ KHQR ដែលបង្ហាញនៅចុងបញ្ចប់នៃពាក្យស្នើសុំ ដោយប្រើកម្មវិធីធនាគារចល័តណាមួយនៅកម្ពុជា "
        "ឬបង់ដោយកាត Visa, Mastercard ឬ UnionPay។\n\n"
        "ពាក្យស្នើសុំរបស់អ្នកនឹងត្រូវបានដាក់ជូនភ្លាមៗ នៅពេលការបង់ប្រាក់ត្រូវបានបញ្ជាក់ "
        "ហើយអ្នកនឹងទទួលបានបង្កាន់ដៃ។",
        "Scan the KHQR code shown at the end of your application with any Cambodian mobile banking app, or "
        "pay with a Visa, Mastercard or UnionPay card.\n\n"
        "Your application is submitted as soon as the payment is confirmed, and you receive a receipt.",
    ),
    (
        FAQ.Category.APPLYING,
        40,
        "តើខ្ញុំតាមដានពាក្យស្នើសុំរបស់ខ្ញុំដោយរបៀបណា?",
        "How do I follow my application?",
        "សូមចូលប្រើប្រាស់ ហើយបើក «ពាក្យស្នើសុំរបស់ខ្ញុំ»៖ ពាក្យស្នើសុំនីមួយៗបង្ហាញស្ថានភាព "
        "និងជំហាននីមួយៗដែលបានអនុវត្ត។ យើងក៏ជូនដំណឹងដល់អ្នកតាមការជូនដំណឹង និងតាមអ៊ីមែល "
        "រាល់ពេលស្ថានភាពផ្លាស់ប្តូរ។\n\n"
        "ប្រសិនបើមន្ត្រីបញ្ជូនពាក្យស្នើសុំរបស់អ្នកត្រឡប់មកវិញដើម្បីកែតម្រូវ សូមកែតម្រូវ ហើយដាក់ជូនម្តងទៀត។",
        "Log in and open “My applications”: each application shows its status and every step taken. We also "
        "tell you by notification and by email whenever its status changes.\n\n"
        "If an officer returns your application for a correction, correct it and submit it again.",
    ),
    (
        FAQ.Category.DOCUMENTS,
        50,
        "តើខ្ញុំអាចផ្ទុកឡើងឯកសារប្រភេទណាខ្លះ?",
        "Which file formats can I upload?",
        "ឯកសារ PDF និងរូបថតជាទម្រង់ JPEG ឬ PNG។ សេវានីមួយៗបង្ហាញបញ្ជីឯកសារដែលត្រូវការ "
        "និងទម្រង់ដែលទទួលយក។\n\n"
        "សូមប្រាកដថាគ្រប់ទំព័រអាចអានបាន និងពេញលេញ៖ ឯកសារដែលព្រិល ឬកាត់ខ្វះ "
        "អាចធ្វើឱ្យពាក្យស្នើសុំរបស់អ្នកត្រូវបានបញ្ជូនត្រឡប់មកវិញ។",
        "PDF files, and photos in JPEG or PNG format. Each service lists the documents it needs and the "
        "formats it accepts.\n\n"
        "Make sure every page is readable and complete: a blurred or cut document may get your application "
        "returned to you.",
    ),
    (
        FAQ.Category.APPLYING,
        60,
        "តើត្រូវចំណាយពេលប៉ុន្មានដើម្បីទទួលបានអាជ្ញាប័ណ្ណ?",
        "How long does it take to get a licence?",
        "សេវានីមួយៗបង្ហាញរយៈពេលដំណើរការធម្មតាជាថ្ងៃធ្វើការ មុនពេលអ្នកចាប់ផ្តើម។ "
        "រយៈពេលនេះគិតចាប់ពីថ្ងៃដែលពាក្យស្នើសុំរបស់អ្នកត្រូវបានដាក់ជូន និងបង់ប្រាក់រួច "
        "ហើយផ្អាកនៅពេលពាក្យស្នើសុំត្រូវបានបញ្ជូនត្រឡប់មកអ្នកវិញដើម្បីកែតម្រូវ។",
        "Each service shows its usual processing time in working days before you start. The time counts from "
        "the day your application is submitted and paid, and pauses while your application is returned to "
        "you for a correction.",
    ),
    (
        FAQ.Category.GENERAL,
        70,
        "តើអ្នកដទៃអាចពិនិត្យថាអាជ្ញាប័ណ្ណរបស់ខ្ញុំពិតប្រាកដដោយរបៀបណា?",
        "How can someone check that my licence is genuine?",
        "អាជ្ញាប័ណ្ណនីមួយៗមានកូដ QR។ អ្នកណាក៏អាចស្កេនវា ដើម្បីបើក verify.gov.kh "
        "ហើយមើលថាអាជ្ញាប័ណ្ណនេះត្រូវបានចេញដោយក្រសួង និងនៅមានសុពលភាពនៅឡើយ។",
        "Every licence carries a QR code. Anyone can scan it to open verify.gov.kh and see that the licence "
        "was issued by the ministry and is still valid.",
    ),
    (
        FAQ.Category.ACCOUNT,
        80,
        "តើខ្ញុំអាចដាក់ពាក្យស្នើសុំជំនួសក្រុមហ៊ុនរបស់ខ្ញុំបានទេ?",
        "Can I apply on behalf of my company?",
        "បាន។ បន្ទាប់ពីចូលប្រើប្រាស់ សូមជ្រើសរើសក្រុមហ៊ុនរបស់អ្នកនៅត្រង់ «ធ្វើសកម្មភាពជំនួស» "
        "នៅផ្នែកខាងលើនៃទំព័រ។ មានតែម្ចាស់ និងតំណាងដែលបានចុះបញ្ជីសម្រាប់ក្រុមហ៊ុនប៉ុណ្ណោះ "
        "ដែលអាចធ្វើសកម្មភាពជំនួសក្រុមហ៊ុនបាន។",
        "Yes. After logging in, choose your company under “Acting for” at the top of the page. Only the "
        "owners and representatives registered for the company can act for it.",
    ),
    (
        FAQ.Category.PAYMENT,
        90,
        "ចុះបើការបង់ប្រាក់បរាជ័យ ប៉ុន្តែប្រាក់ត្រូវបានកាត់ពីគណនីរបស់ខ្ញុំ?",
        "What if my payment failed but the money left my account?",
        "សូមកុំបង់ប្រាក់ជាលើកទីពីរ។ ជួនកាលធនាគារបញ្ជាក់ការបង់ប្រាក់យឺតបន្តិច៖ "
        "វិបផតថលនឹងពិនិត្យម្តងទៀតដោយស្វ័យប្រវត្តិ ហើយធ្វើបច្ចុប្បន្នភាពពាក្យស្នើសុំរបស់អ្នក។\n\n"
        "ប្រសិនបើគ្មានអ្វីផ្លាស់ប្តូរក្នុងរយៈពេលមួយថ្ងៃធ្វើការទេ សូមផ្ញើសំណើជំនួយមកយើង "
        "ដោយភ្ជាប់លេខយោងពាក្យស្នើសុំ និងលេខប្រតិបត្តិការរបស់ធនាគារ។",
        "Do not pay a second time. Banks sometimes confirm a payment a few minutes late: the portal checks "
        "again automatically and updates your application.\n\n"
        "If nothing changes within one working day, send us a support request with your application "
        "reference and the bank's transaction number.",
    ),
]


def seed(out, **options) -> None:
    created = 0
    for category, order, question_km, question_en, answer_km, answer_en in FAQS:
        _faq, was_created = FAQ.objects.get_or_create(
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
        created += was_created
    out.write(f"portal: {created} FAQ(s) created, {len(FAQS) - created} already present")
