"""Demo service catalog: six services of three ministries, each with documents, a published form and a
published review workflow.

Idempotent by codes: catalog rows are looked up by code and created when missing (an administrator's later
edits are kept); a form or workflow is drafted and published through `licensing.services` only when the
service has no published version yet. Runs after `registry.demo` (institutions); creates MOC, MOT and MISTI
itself if they are missing, matching on the code only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from accounts.models import Role
from licensing import services
from licensing.models import (
    ChecklistItem,
    DefinitionStatus,
    DocumentRequirement,
    DocumentType,
    FormDefinition,
    FormField,
    FormStep,
    LicenceService,
    LicenceType,
    Sector,
    WorkflowDefinition,
    WorkflowStep,
)
from licensing.models.catalog import MIME_JPEG, MIME_PDF, MIME_PNG
from registry.models import Department, Institution

INSTITUTIONS = {
    "MOC": ("ក្រសួងពាណិជ្ជកម្ម", "Ministry of Commerce"),
    "MOT": ("ក្រសួងទេសចរណ៍", "Ministry of Tourism"),
    "MISTI": (
        "ក្រសួងឧស្សាហកម្ម វិទ្យាសាស្ត្រ បច្ចេកវិទ្យា និងនវានុវត្តន៍",
        "Ministry of Industry, Science, Technology and Innovation",
    ),
}
DEPARTMENTS = {
    ("MOC", "business-registration"): ("នាយកដ្ឋានចុះបញ្ជីអាជីវកម្ម", "Department of Business Registration"),
    ("MOT", "tourism-industry"): ("នាយកដ្ឋានឧស្សាហកម្មទេសចរណ៍", "Department of Tourism Industry"),
    ("MISTI", "handicraft"): ("នាយកដ្ឋានសិប្បកម្ម", "Department of Handicraft"),
    ("MISTI", "industry"): ("នាយកដ្ឋានឧស្សាហកម្ម", "Department of Industry"),
}
SECTORS = {
    "trade": ("ពាណិជ្ជកម្ម", "Trade and commerce", 10),
    "tourism": ("ទេសចរណ៍", "Tourism", 20),
    "manufacturing": ("ឧស្សាហកម្ម និងផលិតកម្ម", "Industry and manufacturing", 30),
    "handicraft": ("សិប្បកម្ម", "Handicraft", 40),
}
DOCUMENT_TYPES = {
    "NATIONAL_ID": ("អត្តសញ្ញាណប័ណ្ណសញ្ជាតិខ្មែរ ឬលិខិតឆ្លងដែន", "Khmer national ID card or passport"),
    "COMMERCIAL_REG_CERT": ("វិញ្ញាបនបត្រចុះបញ្ជីពាណិជ្ជកម្ម", "Certificate of commercial registration"),
    "ARTICLES_OF_ASSOCIATION": ("លក្ខន្តិកៈក្រុមហ៊ុន", "Memorandum and articles of association"),
    "BOARD_RESOLUTION": (
        "សេចក្តីសម្រេចរបស់ក្រុមប្រឹក្សាភិបាល ឬម្ចាស់ភាគហ៊ុន",
        "Resolution of the board or the shareholders",
    ),
    "PREMISES_PROOF": (
        "លិខិតបញ្ជាក់ទីតាំង (កិច្ចសន្យាជួល ឬប័ណ្ណកម្មសិទ្ធិ)",
        "Proof of premises (lease or title deed)",
    ),
    "PREMISES_PHOTOS": ("រូបថតទីតាំងអាជីវកម្ម", "Photographs of the business premises"),
    "FIRE_SAFETY_CERT": ("លិខិតបញ្ជាក់សុវត្ថិភាពអគ្គិភ័យ", "Fire safety certificate"),
    "FLOOR_PLAN": ("ប្លង់អគារ", "Building floor plan"),
    "EIA_REPORT": ("របាយការណ៍វាយតម្លៃហេតុប៉ះពាល់បរិស្ថាន", "Environmental impact assessment report"),
    "BANK_GUARANTEE": ("លិខិតធានារបស់ធនាគារ", "Bank guarantee"),
    "PRODUCT_PHOTOS": ("រូបថតផលិតផល", "Photographs of products"),
    "MANAGER_CV": ("ប្រវត្តិរូបសង្ខេបរបស់អ្នកគ្រប់គ្រង", "Curriculum vitae of the manager"),
}
PDF_ONLY, PDF_OR_IMAGE, IMAGES = [MIME_PDF], [MIME_PDF, MIME_JPEG, MIME_PNG], [MIME_JPEG, MIME_PNG]


# --- form building blocks ---------------------------------------------------------------------------------


@dataclass
class F:
    key: str
    type: str
    km: str
    en: str
    required: bool = True
    prefill: str = ""
    locked: bool = False
    rules: dict = field(default_factory=dict)
    help_km: str = ""
    help_en: str = ""


@dataclass
class Step:
    key: str
    km: str
    en: str
    fields: list[F]
    description_km: str = ""
    description_en: str = ""


def _choices(*rows: tuple[str, str, str]) -> dict:
    return {"choices": [{"value": v, "label_km": km, "label_en": en} for v, km, en in rows]}


GENDER = _choices(("MALE", "ប្រុស", "Male"), ("FEMALE", "ស្រី", "Female"))
# A country picker (registry countries, names in the page's language); the answer is the ISO alpha-2 code.
NATIONALITY_RULES = {"reference": "country"}


def business_step() -> Step:
    return Step(
        "business",
        "ព័ត៌មានអាជីវកម្ម",
        "Business information",
        [
            F(
                "single_id",
                "text",
                "លេខសម្គាល់តែមួយ (Single ID)",
                "Single ID",
                prefill="business.single_id",
                locked=True,
            ),
            F(
                "business_name_km",
                "text",
                "ឈ្មោះអាជីវកម្ម (ខ្មែរ)",
                "Business name (Khmer)",
                prefill="business.name_km",
                locked=True,
            ),
            F(
                "business_name_en",
                "text",
                "ឈ្មោះអាជីវកម្ម (ឡាតាំង)",
                "Business name (Latin)",
                prefill="business.name_en",
                locked=True,
            ),
            F("business_phone", "phone", "លេខទូរស័ព្ទអាជីវកម្ម", "Business phone", prefill="business.phone"),
            F(
                "business_email",
                "email",
                "អ៊ីមែលអាជីវកម្ម",
                "Business email",
                required=False,
                prefill="business.email",
            ),
            F(
                "business_address",
                "gazetteer_address",
                "អាសយដ្ឋានអាជីវកម្ម",
                "Business address",
                prefill="business.address",
            ),
            F(
                "main_activity",
                "isic_activity",
                "សកម្មភាពអាជីវកម្មចម្បង",
                "Main business activity",
                prefill="business.primary_activity",
            ),
        ],
        "ព័ត៌មានទាំងនេះបានមកពីបញ្ជីអាជីវកម្ម។ ប្រសិនបើមិនត្រឹមត្រូវ សូមកែប្រែនៅក្រសួងពាណិជ្ជកម្មជាមុនសិន។",
        "These details come from the business registry. If they are wrong, have them corrected at the "
        "Ministry of Commerce first.",
    )


def person_step(prefix: str, key: str, km: str, en: str) -> Step:
    """Owner or representative: the same questions, prefilled from the matching registry person."""
    return Step(
        key,
        km,
        en,
        [
            F(
                f"{key}_last_name_km",
                "text",
                "នាមត្រកូល (ខ្មែរ)",
                "Last name (Khmer)",
                prefill=f"{prefix}.last_name_km",
            ),
            F(
                f"{key}_first_name_km",
                "text",
                "នាមខ្លួន (ខ្មែរ)",
                "First name (Khmer)",
                prefill=f"{prefix}.first_name_km",
            ),
            F(
                f"{key}_last_name_en",
                "text",
                "នាមត្រកូល (ឡាតាំង)",
                "Last name (Latin)",
                prefill=f"{prefix}.last_name_en",
            ),
            F(
                f"{key}_first_name_en",
                "text",
                "នាមខ្លួន (ឡាតាំង)",
                "First name (Latin)",
                prefill=f"{prefix}.first_name_en",
            ),
            F(f"{key}_gender", "choice", "ភេទ", "Gender", prefill=f"{prefix}.gender", rules=GENDER),
            F(
                f"{key}_date_of_birth",
                "date",
                "ថ្ងៃខែឆ្នាំកំណើត",
                "Date of birth",
                prefill=f"{prefix}.date_of_birth",
                rules={"min": "1900-01-01", "max": "today"},
            ),
            F(
                f"{key}_nationality",
                "text",
                "សញ្ជាតិ",
                "Nationality",
                prefill=f"{prefix}.nationality",
                rules=NATIONALITY_RULES,
            ),
            F(
                f"{key}_identity_number",
                "text",
                "លេខអត្តសញ្ញាណប័ណ្ណ ឬលិខិតឆ្លងដែន",
                "ID card or passport number",
                prefill=f"{prefix}.identity_number",
                locked=True,
            ),
            F(f"{key}_phone", "phone", "លេខទូរស័ព្ទ", "Phone", prefill=f"{prefix}.phone"),
            F(f"{key}_email", "email", "អ៊ីមែល", "Email", required=False, prefill=f"{prefix}.email"),
        ],
    )


def documents_step(requirements: list[tuple[str, bool, list[str]]]) -> Step:
    return Step(
        "documents",
        "ឯកសារភ្ជាប់",
        "Supporting documents",
        [
            F(
                f"doc_{code.lower()}",
                "file",
                DOCUMENT_TYPES[code][0],
                DOCUMENT_TYPES[code][1],
                required=mandatory,
                # photographs come several at a time: the field takes multiple files
                rules={"document_type": code, "multiple": True}
                if code.endswith("_PHOTOS")
                else {"document_type": code},
            )
            for code, mandatory, _formats in requirements
        ],
        "ឯកសារនីមួយៗត្រូវជា PDF ឬរូបភាព ដែលអាចអានបានច្បាស់។",
        "Each document must be a legible PDF or image.",
    )


# --- workflow building blocks -----------------------------------------------------------------------------


@dataclass
class W:
    key: str
    km: str
    en: str
    role: str
    actions: list[str]
    sla: int
    department: str = ""
    checklist: list[tuple[str, str]] = field(default_factory=list)


RECEPTION_CHECKS = [
    ("ឯកសារភ្ជាប់គ្រប់គ្រាន់ និងអាចអានបាន", "All required documents are attached and legible"),
    ("ព័ត៌មានក្នុងពាក្យស្នើសុំស្របនឹងឯកសារ", "The form details match the documents"),
]


def reception(sla: int = 1) -> W:
    return W(
        "reception",
        "ទទួល និងពិនិត្យពាក្យស្នើសុំ",
        "Receive and check the application",
        "reception_officer",
        ["forward", "return", "reject", "comment"],
        sla,
        checklist=RECEPTION_CHECKS,
    )


def head_of_office(sla: int = 2) -> W:
    return W(
        "head_review",
        "ពិនិត្យ និងផ្តល់យោបល់",
        "Review and recommend",
        "head_of_office",
        ["recommend", "return", "reject", "comment"],
        sla,
    )


def decision(sla: int = 2, role: str = "approver") -> W:
    return W(
        "decision",
        "សម្រេចលើពាក្យស្នើសុំ",
        "Decide on the application",
        role,
        ["approve", "reject", "return", "comment"],
        sla,
        checklist=[("បានពិនិត្យអនុសាសន៍របស់មន្ត្រី", "Officers' recommendation reviewed")],
    )


# --- the services -----------------------------------------------------------------------------------------


@dataclass
class ServiceSpec:
    code: str
    institution: str
    department: str
    sector: str
    name_km: str
    name_en: str
    description_km: str
    description_en: str
    who_needs_km: str
    who_needs_en: str
    fee: Decimal
    currency: str
    processing_days: int
    validity_months: int | None
    services: list[tuple[str, str, str, str, Decimal | None]]  # suffix, kind, km, en, fee override
    documents: list[tuple[str, bool, list[str]]]  # document code, mandatory, formats
    form: list[Step]
    workflow: list[W]


def _catalog() -> list[ServiceSpec]:
    name_reservation_docs = [("NATIONAL_ID", True, PDF_OR_IMAGE)]
    amendment_docs = [
        ("COMMERCIAL_REG_CERT", True, PDF_ONLY),
        ("BOARD_RESOLUTION", True, PDF_ONLY),
        ("ARTICLES_OF_ASSOCIATION", False, PDF_ONLY),
        ("NATIONAL_ID", True, PDF_OR_IMAGE),
    ]
    hotel_docs = [
        ("COMMERCIAL_REG_CERT", True, PDF_ONLY),
        ("NATIONAL_ID", True, PDF_OR_IMAGE),
        ("PREMISES_PROOF", True, PDF_ONLY),
        ("PREMISES_PHOTOS", True, IMAGES),
        ("FIRE_SAFETY_CERT", True, PDF_OR_IMAGE),
        ("FLOOR_PLAN", False, PDF_OR_IMAGE),
    ]
    agency_docs = [
        ("COMMERCIAL_REG_CERT", True, PDF_ONLY),
        ("NATIONAL_ID", True, PDF_OR_IMAGE),
        ("PREMISES_PROOF", True, PDF_ONLY),
        ("BANK_GUARANTEE", True, PDF_ONLY),
        ("MANAGER_CV", False, PDF_ONLY),
    ]
    handicraft_docs = [
        ("NATIONAL_ID", True, PDF_OR_IMAGE),
        ("PREMISES_PHOTOS", True, IMAGES),
        ("PRODUCT_PHOTOS", True, IMAGES),
    ]
    factory_docs = [
        ("COMMERCIAL_REG_CERT", True, PDF_ONLY),
        ("NATIONAL_ID", True, PDF_OR_IMAGE),
        ("PREMISES_PROOF", True, PDF_ONLY),
        ("FLOOR_PLAN", True, PDF_OR_IMAGE),
        ("EIA_REPORT", True, PDF_ONLY),
        ("FIRE_SAFETY_CERT", True, PDF_OR_IMAGE),
    ]
    employees = [
        F(
            "total_employees",
            "number",
            "ចំនួនបុគ្គលិកសរុប",
            "Total employees",
            prefill="business.total_employees",
            rules={"min": 0, "max": 100000},
        ),
        F(
            "female_employees",
            "number",
            "ចំនួនបុគ្គលិកស្រី",
            "Female employees",
            prefill="business.female_employees",
            rules={"min": 0, "max": 100000},
        ),
    ]
    return [
        ServiceSpec(
            code="MOC-BN-001",
            institution="MOC",
            department="business-registration",
            sector="trade",
            name_km="ការកក់ឈ្មោះអាជីវកម្ម",
            name_en="Business name reservation",
            description_km="កក់ទុកឈ្មោះក្រុមហ៊ុន ឬឈ្មោះពាណិជ្ជកម្ម មុនពេលចុះបញ្ជីពាណិជ្ជកម្ម ដើម្បីកុំឱ្យអ្នកដទៃចុះបញ្ជីឈ្មោះដូចគ្នា។",
            description_en="Reserve a company or trade name before commercial registration, so that no one "
            "else can register the same name.",
            who_needs_km="សហគ្រិនដែលគ្រោងនឹងចុះបញ្ជីក្រុមហ៊ុន ឬសហគ្រាសឯកបុគ្គលថ្មី។",
            who_needs_en="Entrepreneurs about to register a new company or sole proprietorship.",
            fee=Decimal("40000"),
            currency="KHR",
            processing_days=1,
            validity_months=3,
            services=[("NEW", "NEW", "ស្នើសុំកក់ឈ្មោះ", "Reserve a name", None)],
            documents=name_reservation_docs,
            form=[
                Step(
                    "applicant",
                    "ព័ត៌មានអ្នកដាក់ពាក្យ",
                    "Applicant",
                    [
                        F(
                            "applicant_name_km",
                            "text",
                            "ឈ្មោះពេញ (ខ្មែរ)",
                            "Full name (Khmer)",
                            prefill="applicant.full_name_km",
                            locked=True,
                        ),
                        F(
                            "applicant_name_en",
                            "text",
                            "ឈ្មោះពេញ (ឡាតាំង)",
                            "Full name (Latin)",
                            prefill="applicant.full_name_en",
                            locked=True,
                        ),
                        F("applicant_phone", "phone", "លេខទូរស័ព្ទ", "Phone", prefill="applicant.phone"),
                        F(
                            "applicant_email",
                            "email",
                            "អ៊ីមែល",
                            "Email",
                            required=False,
                            prefill="applicant.email",
                        ),
                    ],
                ),
                Step(
                    "proposed_name",
                    "ឈ្មោះដែលស្នើសុំ",
                    "Proposed name",
                    [
                        F(
                            "proposed_name_km",
                            "text",
                            "ឈ្មោះស្នើសុំ (ខ្មែរ)",
                            "Proposed name (Khmer)",
                            rules={"min_length": 2, "max_length": 150},
                        ),
                        F(
                            "proposed_name_en",
                            "text",
                            "ឈ្មោះស្នើសុំ (ឡាតាំង)",
                            "Proposed name (Latin)",
                            rules={"max_length": 150, "pattern": "^[A-Za-z0-9 &.,'()-]+$"},
                            help_km="អក្សរឡាតាំង លេខ និងសញ្ញា & . , ' ( ) - ប៉ុណ្ណោះ",
                            help_en="Latin letters, digits and & . , ' ( ) - only",
                        ),
                        F(
                            "alternative_name_en",
                            "text",
                            "ឈ្មោះជម្រើសទីពីរ (ឡាតាំង)",
                            "Second choice of name (Latin)",
                            required=False,
                            rules={"max_length": 150},
                        ),
                        F(
                            "company_type",
                            "choice",
                            "ប្រភេទអាជីវកម្ម",
                            "Type of business",
                            rules=_choices(
                                ("sole_proprietorship", "សហគ្រាសឯកបុគ្គល", "Sole proprietorship"),
                                ("partnership", "ក្រុមហ៊ុនសហកម្មសិទ្ធិ", "Partnership"),
                                (
                                    "single_member_plc",
                                    "ក្រុមហ៊ុនឯកជនទទួលខុសត្រូវមានកម្រិតមានសមាជិកតែម្នាក់",
                                    "Single-member private limited company",
                                ),
                                ("private_limited", "ក្រុមហ៊ុនឯកជនទទួលខុសត្រូវមានកម្រិត", "Private limited company"),
                                ("public_limited", "ក្រុមហ៊ុនមហាជនទទួលខុសត្រូវមានកម្រិត", "Public limited company"),
                            ),
                        ),
                        F(
                            "planned_activity",
                            "isic_activity",
                            "សកម្មភាពអាជីវកម្មដែលគ្រោងធ្វើ",
                            "Planned business activity",
                        ),
                        F(
                            "head_office_address",
                            "gazetteer_address",
                            "អាសយដ្ឋានទីស្នាក់ការកណ្តាល",
                            "Head office address",
                        ),
                    ],
                ),
                documents_step(name_reservation_docs),
            ],
            workflow=[
                W(
                    "name_check",
                    "ពិនិត្យភាពស្ទួននៃឈ្មោះ",
                    "Check the name is available",
                    "technical_officer",
                    ["forward", "return", "reject", "comment"],
                    1,
                    department="business-registration",
                    checklist=[
                        ("ឈ្មោះមិនស្ទួននឹងឈ្មោះដែលបានចុះបញ្ជី", "The name does not duplicate a registered name"),
                        ("ឈ្មោះមិនប្រើពាក្យហាមឃាត់", "The name uses no prohibited words"),
                    ],
                ),
                decision(sla=1, role="head_of_office"),
            ],
        ),
        ServiceSpec(
            code="MOC-CR-002",
            institution="MOC",
            department="business-registration",
            sector="trade",
            name_km="ការកែប្រែព័ត៌មានក្នុងបញ្ជីពាណិជ្ជកម្ម",
            name_en="Amendment of commercial registration",
            description_km="កែប្រែឈ្មោះ អាសយដ្ឋាន សកម្មភាពអាជីវកម្ម ដើមទុន ឬអភិបាលរបស់ក្រុមហ៊ុនដែលបានចុះបញ្ជីរួច "
            "ហើយទទួលបានវិញ្ញាបនបត្រថ្មី។",
            description_en=(
                "Change the name, address, business activity, capital or directors of a registered company "
                "and receive an updated certificate."
            ),
            who_needs_km="ក្រុមហ៊ុន និងសហគ្រាសឯកបុគ្គលដែលបានចុះបញ្ជីនៅក្រសួងពាណិជ្ជកម្ម។",
            who_needs_en="Companies and sole proprietorships registered with the Ministry of Commerce.",
            fee=Decimal("200000"),
            currency="KHR",
            processing_days=5,
            validity_months=None,
            services=[
                ("AMENDMENT", "AMENDMENT", "ស្នើសុំកែប្រែ", "Request an amendment", None),
                (
                    "REPLACEMENT",
                    "REPLACEMENT",
                    "ស្នើសុំវិញ្ញាបនបត្រជំនួស",
                    "Replacement certificate",
                    Decimal("50000"),
                ),
            ],
            documents=amendment_docs,
            form=[
                business_step(),
                Step(
                    "amendment",
                    "ការកែប្រែ",
                    "Amendment",
                    [
                        F(
                            "amendment_types",
                            "multichoice",
                            "ព័ត៌មានដែលត្រូវកែប្រែ",
                            "What changes",
                            rules=_choices(
                                ("name", "ឈ្មោះក្រុមហ៊ុន", "Company name"),
                                ("address", "អាសយដ្ឋាន", "Address"),
                                ("activity", "សកម្មភាពអាជីវកម្ម", "Business activity"),
                                ("capital", "ដើមទុន", "Capital"),
                                ("directors", "អភិបាល ឬម្ចាស់ភាគហ៊ុន", "Directors or shareholders"),
                            ),
                        ),
                        F("new_name_en", "text", "ឈ្មោះថ្មី (ឡាតាំង)", "New name (Latin)", required=False),
                        F("new_address", "gazetteer_address", "អាសយដ្ឋានថ្មី", "New address", required=False),
                        F(
                            "new_activity",
                            "isic_activity",
                            "សកម្មភាពអាជីវកម្មថ្មី",
                            "New business activity",
                            required=False,
                        ),
                        F(
                            "new_capital_khr",
                            "decimal",
                            "ដើមទុនថ្មី (រៀល)",
                            "New capital (riel)",
                            required=False,
                            rules={"min": 0},
                        ),
                        F("effective_date", "date", "កាលបរិច្ឆេទមានប្រសិទ្ធភាព", "Effective date"),
                        F(
                            "reason",
                            "textarea",
                            "មូលហេតុនៃការកែប្រែ",
                            "Reason for the amendment",
                            rules={"max_length": 2000},
                        ),
                    ],
                ),
                documents_step(amendment_docs),
            ],
            workflow=[
                reception(),
                W(
                    "technical_review",
                    "ពិនិត្យបច្ចេកទេស",
                    "Technical review",
                    "technical_officer",
                    ["forward", "recommend", "return", "reject", "comment"],
                    3,
                    department="business-registration",
                    checklist=[
                        ("សេចក្តីសម្រេចមានហត្ថលេខាគ្រប់គ្រាន់", "The resolution is signed by the required persons"),
                        ("ឈ្មោះថ្មីមិនស្ទួន (បើមាន)", "The new name is not a duplicate (if changed)"),
                    ],
                ),
                decision(),
            ],
        ),
        ServiceSpec(
            code="MOT-HL-001",
            institution="MOT",
            department="tourism-industry",
            sector="tourism",
            name_km="អាជ្ញាប័ណ្ណទេសចរណ៍សម្រាប់សណ្ឋាគារ និងផ្ទះសំណាក់",
            name_en="Tourism licence for hotels and guesthouses",
            description_km="អាជ្ញាប័ណ្ណដែលអនុញ្ញាតឱ្យប្រកបអាជីវកម្មស្នាក់នៅសម្រាប់ភ្ញៀវទេសចរ "
            "បន្ទាប់ពីការត្រួតពិនិត្យស្តង់ដារទីតាំង សុវត្ថិភាព និងសេវាកម្ម។",
            description_en="Licence to operate accommodation for tourists, issued after an inspection of the "
            "premises, safety and service standards.",
            who_needs_km="ម្ចាស់សណ្ឋាគារ ផ្ទះសំណាក់ រមណីយដ្ឋាន និងផ្ទះស្នាក់នៅជាមួយម្ចាស់ផ្ទះ គ្រប់ទំហំ។",
            who_needs_en="Owners of hotels, guesthouses, resorts and homestays of any size.",
            fee=Decimal("100"),
            currency="USD",
            processing_days=15,
            validity_months=36,
            services=[
                ("NEW", "NEW", "ស្នើសុំអាជ្ញាប័ណ្ណថ្មី", "New licence", None),
                ("RENEWAL", "RENEWAL", "បន្តសុពលភាពអាជ្ញាប័ណ្ណ", "Licence renewal", Decimal("80")),
            ],
            documents=hotel_docs,
            form=[
                business_step(),
                person_step("owner", "owner", "ព័ត៌មានម្ចាស់អាជីវកម្ម", "Business owner"),
                Step(
                    "establishment",
                    "ព័ត៌មានកន្លែងស្នាក់នៅ",
                    "Accommodation establishment",
                    [
                        F(
                            "establishment_type",
                            "choice",
                            "ប្រភេទកន្លែងស្នាក់នៅ",
                            "Type of establishment",
                            rules=_choices(
                                ("hotel", "សណ្ឋាគារ", "Hotel"),
                                ("guesthouse", "ផ្ទះសំណាក់", "Guesthouse"),
                                ("resort", "រមណីយដ្ឋាន", "Resort"),
                                ("homestay", "ផ្ទះស្នាក់នៅជាមួយម្ចាស់ផ្ទះ", "Homestay"),
                            ),
                        ),
                        F(
                            "establishment_name_km",
                            "text",
                            "ឈ្មោះកន្លែងស្នាក់នៅ (ខ្មែរ)",
                            "Establishment name (Khmer)",
                        ),
                        F(
                            "establishment_name_en",
                            "text",
                            "ឈ្មោះកន្លែងស្នាក់នៅ (ឡាតាំង)",
                            "Establishment name (Latin)",
                        ),
                        F(
                            "establishment_address",
                            "gazetteer_address",
                            "អាសយដ្ឋានកន្លែងស្នាក់នៅ",
                            "Establishment address",
                            prefill="business.address",
                        ),
                        F(
                            "number_of_rooms",
                            "number",
                            "ចំនួនបន្ទប់",
                            "Number of rooms",
                            rules={"min": 1, "max": 5000},
                        ),
                        F(
                            "number_of_beds",
                            "number",
                            "ចំនួនគ្រែ",
                            "Number of beds",
                            rules={"min": 1, "max": 10000},
                        ),
                        *employees,
                        F("opening_date", "date", "កាលបរិច្ឆេទបើកដំណើរការ", "Opening date"),
                        F(
                            "fire_equipment",
                            "boolean",
                            "មានឧបករណ៍ពន្លត់អគ្គិភ័យគ្រប់ជាន់",
                            "Fire extinguishers on every floor",
                        ),
                    ],
                ),
                documents_step(hotel_docs),
            ],
            workflow=[
                reception(),
                W(
                    "site_inspection",
                    "ត្រួតពិនិត្យទីតាំង",
                    "Site inspection",
                    "technical_officer",
                    ["forward", "recommend", "return", "reject", "comment"],
                    10,
                    department="tourism-industry",
                    checklist=[
                        ("បានចុះត្រួតពិនិត្យទីតាំងផ្ទាល់", "Site visited in person"),
                        ("បន្ទប់ និងអនាម័យស្របតាមស្តង់ដារ", "Rooms and hygiene meet the standard"),
                        (
                            "ច្រកចេញបន្ទាន់ និងឧបករណ៍ពន្លត់អគ្គិភ័យមានគ្រប់គ្រាន់",
                            "Emergency exits and extinguishers in place",
                        ),
                    ],
                ),
                head_of_office(),
                decision(),
            ],
        ),
        ServiceSpec(
            code="MOT-TA-002",
            institution="MOT",
            department="tourism-industry",
            sector="tourism",
            name_km="អាជ្ញាប័ណ្ណទីភ្នាក់ងារទេសចរណ៍",
            name_en="Travel agency licence",
            description_km="អាជ្ញាប័ណ្ណសម្រាប់ប្រកបអាជីវកម្មរៀបចំដំណើរកម្សាន្ត លក់សំបុត្រ និងសេវាទេសចរណ៍ជូនភ្ញៀវក្នុងស្រុក និងបរទេស។",
            description_en=(
                "Licence to organise tours and to sell tickets and travel services to domestic and foreign "
                "visitors."
            ),
            who_needs_km="ក្រុមហ៊ុនទេសចរណ៍ និងភ្នាក់ងារលក់សំបុត្រធ្វើដំណើរ។",
            who_needs_en="Tour operators and travel ticketing agencies.",
            fee=Decimal("200"),
            currency="USD",
            processing_days=10,
            validity_months=36,
            services=[
                ("NEW", "NEW", "ស្នើសុំអាជ្ញាប័ណ្ណថ្មី", "New licence", None),
                ("RENEWAL", "RENEWAL", "បន្តសុពលភាពអាជ្ញាប័ណ្ណ", "Licence renewal", Decimal("150")),
            ],
            documents=agency_docs,
            form=[
                business_step(),
                person_step("representative", "manager", "អ្នកគ្រប់គ្រងទីភ្នាក់ងារ", "Agency manager"),
                Step(
                    "agency",
                    "ព័ត៌មានទីភ្នាក់ងារ",
                    "Agency",
                    [
                        F(
                            "agency_categories",
                            "multichoice",
                            "ប្រភេទសេវា",
                            "Services offered",
                            rules=_choices(
                                ("inbound", "ទេសចរណ៍ចូលកម្ពុជា", "Inbound tours"),
                                ("outbound", "ទេសចរណ៍ចេញក្រៅប្រទេស", "Outbound tours"),
                                ("domestic", "ទេសចរណ៍ក្នុងស្រុក", "Domestic tours"),
                                ("ticketing", "លក់សំបុត្រធ្វើដំណើរ", "Ticketing"),
                            ),
                        ),
                        F(
                            "office_address",
                            "gazetteer_address",
                            "អាសយដ្ឋានការិយាល័យ",
                            "Office address",
                            prefill="business.address",
                        ),
                        F(
                            "licensed_guides",
                            "number",
                            "ចំនួនមគ្គុទ្ទេសក៍ទេសចរណ៍មានអាជ្ញាប័ណ្ណ",
                            "Licensed tour guides employed",
                            rules={"min": 0, "max": 500},
                        ),
                        F(
                            "guarantee_usd",
                            "decimal",
                            "ទឹកប្រាក់ធានារបស់ធនាគារ (ដុល្លារ)",
                            "Bank guarantee amount (USD)",
                            rules={"min": 0},
                        ),
                    ],
                ),
                documents_step(agency_docs),
            ],
            workflow=[
                reception(),
                W(
                    "technical_review",
                    "ពិនិត្យបច្ចេកទេស",
                    "Technical review",
                    "technical_officer",
                    ["forward", "recommend", "return", "reject", "comment"],
                    5,
                    department="tourism-industry",
                    checklist=[("លិខិតធានារបស់ធនាគារមានសុពលភាព", "The bank guarantee is valid")],
                ),
                decision(),
            ],
        ),
        ServiceSpec(
            code="MISTI-HC-001",
            institution="MISTI",
            department="handicraft",
            sector="handicraft",
            name_km="ការចុះបញ្ជីសហគ្រាសសិប្បកម្ម",
            name_en="Handicraft establishment registration",
            description_km="ចុះបញ្ជីរោងជាងសិប្បកម្ម (តម្បាញសូត្រ ចម្លាក់ឈើ គ្រឿងប្រាក់ គ្រឿងស្មូន...) "
            "ដើម្បីទទួលបានការទទួលស្គាល់ និងការគាំទ្រពីរដ្ឋ ដោយមិនគិតថ្លៃ។",
            description_en=(
                "Register a handicraft workshop (silk weaving, wood carving, silverware, pottery…) to be "
                "recognised and supported by the State, free of charge."
            ),
            who_needs_km="សិប្បករ និងសហគ្រាសខ្នាតតូចដែលផលិតផលិតផលសិប្បកម្ម។",
            who_needs_en="Artisans and small enterprises making handicraft products.",
            fee=Decimal("0"),
            currency="KHR",
            processing_days=7,
            validity_months=None,
            services=[("NEW", "NEW", "ស្នើសុំចុះបញ្ជី", "Register", None)],
            documents=handicraft_docs,
            form=[
                person_step("owner", "owner", "ព័ត៌មានម្ចាស់សិប្បកម្ម", "Workshop owner"),
                Step(
                    "workshop",
                    "ព័ត៌មានរោងជាង",
                    "Workshop",
                    [
                        F(
                            "workshop_name_km",
                            "text",
                            "ឈ្មោះរោងជាង (ខ្មែរ)",
                            "Workshop name (Khmer)",
                            prefill="business.name_km",
                        ),
                        F(
                            "workshop_name_en",
                            "text",
                            "ឈ្មោះរោងជាង (ឡាតាំង)",
                            "Workshop name (Latin)",
                            required=False,
                            prefill="business.name_en",
                        ),
                        F(
                            "workshop_address",
                            "gazetteer_address",
                            "អាសយដ្ឋានរោងជាង",
                            "Workshop address",
                            prefill="business.address",
                        ),
                        F(
                            "main_activity",
                            "isic_activity",
                            "សកម្មភាពផលិតកម្មចម្បង",
                            "Main production activity",
                            prefill="business.primary_activity",
                        ),
                        F(
                            "craft_types",
                            "multichoice",
                            "ប្រភេទសិប្បកម្ម",
                            "Crafts",
                            rules=_choices(
                                ("silk", "តម្បាញសូត្រ", "Silk weaving"),
                                ("wood", "ចម្លាក់ឈើ", "Wood carving"),
                                ("silver", "គ្រឿងប្រាក់", "Silverware"),
                                ("pottery", "គ្រឿងស្មូន", "Pottery"),
                                ("stone", "ចម្លាក់ថ្ម", "Stone carving"),
                                ("rattan", "ផលិតផលផ្តៅ និងឫស្សី", "Rattan and bamboo"),
                            ),
                        ),
                        *employees,
                        F("local_materials", "boolean", "ប្រើវត្ថុធាតុដើមក្នុងស្រុក", "Uses local raw materials"),
                    ],
                ),
                documents_step(handicraft_docs),
            ],
            workflow=[
                W(
                    "technical_review",
                    "ពិនិត្យបច្ចេកទេស",
                    "Technical review",
                    "technical_officer",
                    ["forward", "return", "reject", "comment"],
                    5,
                    department="handicraft",
                    checklist=[("រូបថតផលិតផលបង្ហាញពីការផលិតដោយដៃ", "Product photos show handmade production")],
                ),
                decision(sla=2, role="head_of_office"),
            ],
        ),
        ServiceSpec(
            code="MISTI-FP-002",
            institution="MISTI",
            department="industry",
            sector="manufacturing",
            name_km="លិខិតអនុញ្ញាតប្រតិបត្តិការរោងចក្រ",
            name_en="Factory operation permit",
            description_km="លិខិតអនុញ្ញាតឱ្យរោងចក្រចាប់ផ្តើមដំណើរការផលិតកម្ម បន្ទាប់ពីការត្រួតពិនិត្យគ្រឿងម៉ាស៊ីន "
            "សុវត្ថិភាពការងារ និងការគ្រប់គ្រងកាកសំណល់។",
            description_en=(
                "Permit for a factory to start production, issued after an inspection of machinery, "
                "occupational safety and waste management."
            ),
            who_needs_km="រោងចក្រ និងសហគ្រាសឧស្សាហកម្មខ្នាតមធ្យម និងធំ។",
            who_needs_en="Medium and large factories and industrial enterprises.",
            fee=Decimal("800000"),
            currency="KHR",
            processing_days=30,
            validity_months=60,
            services=[
                ("NEW", "NEW", "ស្នើសុំលិខិតអនុញ្ញាតថ្មី", "New permit", None),
                ("RENEWAL", "RENEWAL", "បន្តសុពលភាពលិខិតអនុញ្ញាត", "Permit renewal", Decimal("400000")),
            ],
            documents=factory_docs,
            form=[
                business_step(),
                Step(
                    "factory",
                    "ព័ត៌មានរោងចក្រ",
                    "Factory",
                    [
                        F("factory_name_km", "text", "ឈ្មោះរោងចក្រ (ខ្មែរ)", "Factory name (Khmer)"),
                        F("factory_name_en", "text", "ឈ្មោះរោងចក្រ (ឡាតាំង)", "Factory name (Latin)"),
                        F(
                            "factory_address",
                            "gazetteer_address",
                            "អាសយដ្ឋានរោងចក្រ",
                            "Factory address",
                            prefill="business.address",
                        ),
                        F(
                            "production_activity",
                            "isic_activity",
                            "សកម្មភាពផលិតកម្ម",
                            "Production activity",
                            prefill="business.primary_activity",
                        ),
                        F(
                            "investment_capital_usd",
                            "decimal",
                            "ទុនវិនិយោគ (ដុល្លារ)",
                            "Investment capital (USD)",
                            rules={"min": 0},
                        ),
                        F(
                            "installed_power_kw",
                            "decimal",
                            "អានុភាពម៉ាស៊ីនសរុប (គីឡូវ៉ាត់)",
                            "Total installed power (kW)",
                            rules={"min": 0, "max": 1000000},
                        ),
                    ],
                ),
                Step(
                    "workforce",
                    "កម្លាំងពលកម្ម និងបរិស្ថាន",
                    "Workforce and environment",
                    [
                        *employees,
                        F(
                            "foreign_employees",
                            "number",
                            "ចំនួនបុគ្គលិកបរទេស",
                            "Foreign employees",
                            prefill="business.foreign_employees",
                            rules={"min": 0, "max": 100000},
                        ),
                        F("production_start", "date", "កាលបរិច្ឆេទចាប់ផ្តើមផលិតកម្ម", "Production start date"),
                        F(
                            "waste_treatment",
                            "boolean",
                            "មានប្រព័ន្ធប្រព្រឹត្តកម្មកាកសំណល់",
                            "Has a waste treatment system",
                        ),
                    ],
                ),
                documents_step(factory_docs),
            ],
            workflow=[
                reception(),
                W(
                    "inspection",
                    "ត្រួតពិនិត្យរោងចក្រ",
                    "Factory inspection",
                    "technical_officer",
                    ["forward", "recommend", "return", "reject", "comment"],
                    15,
                    department="industry",
                    checklist=[
                        ("គ្រឿងម៉ាស៊ីនត្រូវបានត្រួតពិនិត្យ", "Machinery inspected"),
                        ("វិធានការសុវត្ថិភាពការងារមានគ្រប់គ្រាន់", "Occupational safety measures in place"),
                        ("ការគ្រប់គ្រងកាកសំណល់ស្របតាមរបាយការណ៍បរិស្ថាន", "Waste management matches the EIA"),
                    ],
                ),
                head_of_office(sla=3),
                decision(sla=3),
            ],
        ),
    ]


# --- seeding ----------------------------------------------------------------------------------------------


def _reference_rows() -> tuple[dict, dict, dict, dict]:
    institutions = {}
    for code, (km, en) in INSTITUTIONS.items():
        institutions[code], _created = Institution.objects.get_or_create(
            code=code,
            defaults={"name_km": km, "name_en": en, "abbreviation_en": code, "camdx_member_code": code},
        )
    departments = {}
    for (inst_code, code), (km, en) in DEPARTMENTS.items():
        departments[(inst_code, code)], _created = Department.objects.get_or_create(
            institution=institutions[inst_code], code=code, defaults={"name_km": km, "name_en": en}
        )
    sectors = {}
    for code, (km, en, order) in SECTORS.items():
        sectors[code], _created = Sector.objects.get_or_create(
            code=code, defaults={"name_km": km, "name_en": en, "sort_order": order}
        )
    documents = {}
    for code, (km, en) in DOCUMENT_TYPES.items():
        documents[code], _created = DocumentType.objects.get_or_create(
            code=code, defaults={"name_km": km, "name_en": en}
        )
    return institutions, departments, sectors, documents


def _fill_form(draft: FormDefinition, steps: list[Step]) -> None:
    for step_order, spec in enumerate(steps, start=1):
        step = FormStep.objects.create(
            definition=draft,
            key=spec.key,
            order=step_order,
            title_km=spec.km,
            title_en=spec.en,
            description_km=spec.description_km,
            description_en=spec.description_en,
        )
        for field_order, f in enumerate(spec.fields, start=1):
            FormField.objects.create(
                step=step,
                key=f.key,
                order=field_order,
                field_type=f.type,
                label_km=f.km,
                label_en=f.en,
                help_km=f.help_km,
                help_en=f.help_en,
                required=f.required,
                validation=f.rules,
                prefill_source=f.prefill,
                prefill_locked=f.locked,
            )


def _fill_workflow(
    draft: WorkflowDefinition, steps: list[W], institution_code: str, departments: dict
) -> None:
    roles = {role.code: role for role in Role.objects.all()}
    for order, spec in enumerate(steps, start=1):
        step = WorkflowStep.objects.create(
            definition=draft,
            order=order,
            key=spec.key,
            name_km=spec.km,
            name_en=spec.en,
            role=roles[spec.role],
            department=departments[(institution_code, spec.department)] if spec.department else None,
            allowed_actions=spec.actions,
            sla_working_days=spec.sla,
        )
        for item_order, (km, en) in enumerate(spec.checklist, start=1):
            ChecklistItem.objects.create(step=step, order=item_order, label_km=km, label_en=en)


def _open_draft(licence_type: LicenceType, kind: services.DefinitionKind):
    """The draft to (re)build: an existing draft is emptied, otherwise a new one is created."""
    model = FormDefinition if kind == services.FORM else WorkflowDefinition
    draft = model.objects.filter(licence_type=licence_type, status=DefinitionStatus.DRAFT).first()
    if draft is None:
        draft = services.create_draft_version(licence_type, kind)
    draft.steps.all().delete()
    return draft


def _seed_service(spec: ServiceSpec, institutions, departments, sectors, documents) -> list[str]:
    done = []
    licence_type, created = LicenceType.objects.get_or_create(
        code=spec.code,
        defaults={
            "institution": institutions[spec.institution],
            "department": departments[(spec.institution, spec.department)],
            "sector": sectors[spec.sector],
            "name_km": spec.name_km,
            "name_en": spec.name_en,
            "description_km": spec.description_km,
            "description_en": spec.description_en,
            "who_needs_km": spec.who_needs_km,
            "who_needs_en": spec.who_needs_en,
            "fee_amount": spec.fee,
            "fee_currency": spec.currency,
            "processing_days": spec.processing_days,
            "validity_months": spec.validity_months,
        },
    )
    if created:
        done.append("licence type")
    for order, (suffix, kind, km, en, fee_override) in enumerate(spec.services, start=1):
        LicenceService.objects.get_or_create(
            code=f"{spec.code}-{suffix}",
            defaults={
                "licence_type": licence_type,
                "kind": kind,
                "name_km": km,
                "name_en": en,
                "fee_override": fee_override,
                "sort_order": order,
            },
        )
    for order, (code, mandatory, formats) in enumerate(spec.documents, start=1):
        DocumentRequirement.objects.get_or_create(
            licence_type=licence_type,
            document_type=documents[code],
            defaults={
                "mandatory": mandatory,
                "accepted_formats": formats,
                "max_size_mb": 5,
                "sort_order": order,
            },
        )
    if not FormDefinition.objects.filter(
        licence_type=licence_type, status=DefinitionStatus.PUBLISHED
    ).exists():
        draft = _open_draft(licence_type, services.FORM)
        _fill_form(draft, spec.form)
        services.publish_form(draft)
        done.append(f"form v{draft.version}")
    if not WorkflowDefinition.objects.filter(
        licence_type=licence_type, status=DefinitionStatus.PUBLISHED
    ).exists():
        draft = _open_draft(licence_type, services.WORKFLOW)
        _fill_workflow(draft, spec.workflow, spec.institution, departments)
        services.publish_workflow(draft)
        done.append(f"workflow v{draft.version}")
    return done


@transaction.atomic
def seed(stdout, **options) -> None:
    institutions, departments, sectors, documents = _reference_rows()
    for spec in _catalog():
        done = _seed_service(spec, institutions, departments, sectors, documents)
        what = ", ".join(done) if done else "already there"
        stdout.write(f"  licensing: {spec.code} {spec.name_en} — {what}")
