"""Row builders for the synthetic business generator (`python -m bench.synthetic N`).

This module imports no model and needs no database, so it runs in worker processes started with `spawn`: they
receive the keys and lookup tables once (`init_worker`) and turn ranges of synthetic indexes into COPY text.
Everything is a pure function of the index, so a business generated twice is the same business.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from esb import crypto

# Synthetic rows live in reserved ranges so they never collide with real or curated demo data:
# Single IDs 9000000001–9999999999, national ID numbers 900000001–999999999, passports SP00000001–SP99999999.
SINGLE_ID_PREFIX = "9"
MAX_SYNTHETIC = 99_999_999

M64 = (1 << 64) - 1


def mix(value: int) -> int:
    """splitmix64: a fast, well-spread 64-bit hash of an integer (deterministic pseudo-randomness)."""
    value = (value + 0x9E3779B97F4A7C15) & M64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & M64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & M64
    return value ^ (value >> 31)


def single_id(index: int) -> str:
    return f"{SINGLE_ID_PREFIX}{index:09d}"


# --- word lists (Khmer, Latin) -------------------------------------------------------------------------

BRAND_WORDS = [
    ("អង្គរ", "Angkor"),
    ("មេគង្គ", "Mekong"),
    ("ទន្លេ", "Tonle"),
    ("បាយ័ន", "Bayon"),
    ("អប្សរា", "Apsara"),
    ("ពេជ្រ", "Pich"),
    ("មាស", "Meas"),
    ("ប្រាក់", "Prak"),
    ("ពន្លឺ", "Ponleu"),
    ("រស្មី", "Reaksmey"),
    ("ចំប៉ា", "Champa"),
    ("រំដួល", "Romdoul"),
    ("សិរី", "Serey"),
    ("មង្គល", "Mongkol"),
    ("វឌ្ឍនៈ", "Vathanak"),
    ("តេជោ", "Techo"),
    ("សុវណ្ណ", "Sovann"),
    ("បញ្ញា", "Panha"),
    ("ជ័យ", "Chey"),
    ("រតនៈ", "Rattanak"),
    ("សុខា", "Sokha"),
    ("កម្ពុជា", "Kampuchea"),
    ("ខ្មែរ", "Khmer"),
    ("នគរ", "Nokor"),
    ("ភ្នំ", "Phnom"),
    ("ស្រស់", "Sros"),
    ("ថ្មី", "Thmey"),
    ("អរុណ", "Arun"),
    ("ច័ន្ទ", "Chan"),
    ("តារា", "Tara"),
    ("សាមគ្គី", "Samaki"),
    ("ឧត្តម", "Oudom"),
    ("កែវ", "Keo"),
    ("បុស្បា", "Bosba"),
    ("សម្បត្តិ", "Sambath"),
    ("មិត្តភាព", "Mittapheap"),
    ("វិមាន", "Vimean"),
    ("ដួងចិត្ត", "Doungchet"),
    ("សុភា", "Sophea"),
    ("កល្យាណ", "Kalyan"),
]

# Pseudo-words built from two Khmer syllables and their romanisation (សុ + ខា = សុខា, So + kha = Sokha):
# 900 combinations, many of them real given names, so synthetic names are as varied as real ones and trigram
# statistics are realistic (with the 40 brand words alone every trigram would appear in a tenth of all names).
FIRST_SYLLABLES = [
    ("សុ", "So"),
    ("ដា", "Da"),
    ("វិ", "Vi"),
    ("ពិ", "Pi"),
    ("បូ", "Bo"),
    ("មុ", "Mo"),
    ("ធី", "Thy"),
    ("រ៉ា", "Ra"),
    ("ស៊ី", "Si"),
    ("ចា", "Cha"),
    ("ណា", "Na"),
    ("លី", "Ly"),
    ("កា", "Ka"),
    ("តា", "Ta"),
    ("ភា", "Phea"),
    ("នី", "Ny"),
    ("រី", "Ri"),
    ("សា", "Sa"),
    ("ម៉ា", "Ma"),
    ("ហេ", "He"),
    ("ចិ", "Chi"),
    ("កុ", "Ko"),
    ("ទេ", "Te"),
    ("ប៊ុ", "Bu"),
    ("ពុ", "Pu"),
    ("សូ", "Sou"),
    ("រុ", "Ro"),
    ("វា", "Vea"),
    ("ធា", "Thea"),
    ("ឃី", "Khy"),
]
SECOND_SYLLABLES = [
    ("ខា", "kha"),
    ("រ៉ា", "ra"),
    ("ភា", "phea"),
    ("ណា", "na"),
    ("នី", "ny"),
    ("រី", "ry"),
    ("តា", "ta"),
    ("ថា", "tha"),
    ("លី", "ly"),
    ("វី", "vy"),
    ("ម៉ា", "ma"),
    ("ឡា", "la"),
    ("ដា", "da"),
    ("សា", "sa"),
    ("ចា", "cha"),
    ("ពៅ", "pov"),
    ("មុំ", "mom"),
    ("រិន", "rin"),
    ("ណាត់", "nat"),
    ("វុធ", "vuth"),
    ("ផល", "phal"),
    ("រ័ត្ន", "rath"),
    ("ឌី", "dy"),
    ("កា", "ka"),
    ("នាង", "neang"),
    ("សុខ", "sok"),
    ("ឡុង", "long"),
    ("រ៉ុង", "rong"),
    ("ស៊ាង", "seang"),
    ("ហួរ", "hour"),
]

# (Khmer, English, ISIC class): what the business does, with the class registered as its primary activity.
ACTIVITIES = [
    ("ពាណិជ្ជកម្ម", "Trading", "4690"),
    ("សំណង់", "Construction", "4100"),
    ("ភោជនីយដ្ឋាន", "Restaurant", "5610"),
    ("សណ្ឋាគារ", "Hotel", "5510"),
    ("ទេសចរណ៍", "Travel & Tours", "7912"),
    ("កសិកម្មស្រូវ", "Rice Farming", "0112"),
    ("ឱសថស្ថាន", "Pharmacy", "4772"),
    ("ម៉ាត", "Mart", "4711"),
    ("ដឹកជញ្ជូន", "Logistics", "5229"),
    ("អចលនទ្រព្យ", "Real Estate", "6810"),
    ("បច្ចេកវិទ្យា", "Technology", "6201"),
    ("កាត់ដេរ", "Garment", "1410"),
    ("រោងម៉ាស៊ីនកិនស្រូវ", "Rice Mill", "1061"),
    ("កាហ្វេ", "Coffee", "5630"),
    ("សម្ភារសំណង់", "Building Materials", "4663"),
    ("ជួសជុលរថយន្ត", "Auto Repair", "4520"),
    ("ទឹកបរិសុទ្ធ", "Drinking Water", "1104"),
    ("សន្តិសុខ", "Security Services", "8010"),
    ("គ្រឿងសង្ហារិម", "Furniture", "3100"),
    ("ទូរស័ព្ទ", "Mobile Phones", "4741"),
    ("គ្លីនិក", "Clinic", "8620"),
    ("សម្ផស្ស", "Beauty Salon", "9602"),
    ("ប្រឹក្សាយោបល់", "Consulting", "7020"),
    ("ផ្សព្វផ្សាយ", "Advertising", "7310"),
    ("បោះពុម្ព", "Printing", "1811"),
    ("នេសាទ", "Fisheries", "0311"),
    ("កសិដ្ឋានចិញ្ចឹមជ្រូក", "Pig Farm", "0145"),
    ("ដឹកជញ្ជូនអ្នកដំណើរ", "Bus Transport", "4922"),
    ("ម្រេច", "Pepper", "0128"),
    ("សិប្បកម្ម", "Handicraft", "1629"),
]

SURNAMES = [
    ("សុខ", "Sok"),
    ("ចាន់", "Chan"),
    ("ហេង", "Heng"),
    ("លឹម", "Lim"),
    ("គឹម", "Kim"),
    ("ជា", "Chea"),
    ("ម៉ៅ", "Mao"),
    ("ញឹម", "Nhim"),
    ("ប៉ែន", "Pen"),
    ("សេង", "Seng"),
    ("កែវ", "Keo"),
    ("ទេព", "Tep"),
    ("អ៊ុំ", "Um"),
    ("ឈឹម", "Chhim"),
    ("ស៊ុន", "Sun"),
    ("យិន", "Yin"),
    ("ឡាយ", "Lay"),
    ("ពៅ", "Pov"),
    ("សំ", "Sam"),
    ("ឃុន", "Khun"),
    ("វ៉ាន់", "Vann"),
    ("អ៊ឹង", "Ung"),
    ("ស្រ៊ុន", "Srun"),
    ("ហោ", "Hor"),
    ("មាស", "Meas"),
    ("ទូច", "Touch"),
    ("នួន", "Nuon"),
    ("ព្រំ", "Prum"),
    ("សយ", "Soy"),
    ("ឯក", "Ek"),
    ("ថាច់", "Thach"),
    ("ឆាយ", "Chhay"),
    ("តាំង", "Tang"),
    ("លី", "Ly"),
    ("អ៊ាង", "Ang"),
    ("រស់", "Ros"),
]

MALE_NAMES = [
    ("ដារ៉ា", "Dara"),
    ("សុវណ្ណារ៉ា", "Sovannara"),
    ("វណ្ណា", "Vanna"),
    ("ពិសិដ្ឋ", "Piseth"),
    ("សុផល", "Sophal"),
    ("មករា", "Makara"),
    ("សំណាង", "Samnang"),
    ("បូរ៉ា", "Bora"),
    ("វិចិត្រ", "Vichet"),
    ("រិទ្ធី", "Rithy"),
    ("វាសនា", "Veasna"),
    ("ពុទ្ធី", "Puthy"),
    ("ចាន់ថន", "Chanthorn"),
    ("វុទ្ធី", "Vuthy"),
    ("ចំរើន", "Chamroeun"),
    ("សម្បត្តិ", "Sambath"),
    ("វិសាល", "Visal"),
    ("រដ្ឋា", "Rotha"),
    ("សុខុម", "Sokhom"),
    ("ប៊ុនធឿន", "Bunthoeun"),
    ("សុធា", "Sothea"),
    ("វិបុល", "Vibol"),
    ("កុសល", "Kosal"),
    ("ណារិន", "Narin"),
    ("សារ៉ុន", "Saron"),
    ("មុនី", "Mony"),
]

FEMALE_NAMES = [
    ("សុភា", "Sophea"),
    ("ស្រីពៅ", "Sreypov"),
    ("បុប្ផា", "Bopha"),
    ("រតនា", "Rathana"),
    ("ធីតា", "Thida"),
    ("ចន្ថា", "Chantha"),
    ("ស្រីល័ក្ខ", "Sreyleak"),
    ("សុគន្ធា", "Sokunthea"),
    ("ណារី", "Nary"),
    ("សុធារី", "Sotheary"),
    ("កញ្ញា", "Kanha"),
    ("សុខលី", "Sokly"),
    ("ចរិយា", "Chariya"),
    ("សុភាព", "Sopheap"),
    ("ម៉ាលីស", "Malis"),
    ("ស្រីនិច", "Sreynich"),
    ("ដាលីន", "Dalin"),
    ("រចនា", "Rachana"),
    ("ពិសី", "Pisey"),
    ("លក្ខិណា", "Leakhena"),
    ("សុវណ្ណី", "Sovanny"),
    ("ស្រីមុំ", "Sreymom"),
    ("គន្ធា", "Kunthea"),
    ("ផល្លា", "Phalla"),
    ("និមល", "Nimol"),
    ("សុជាតា", "Socheata"),
]

# Foreign owners: (country, family names, male given names, female given names), Latin script only.
FOREIGNERS = [
    (
        "CN",
        ["Wang", "Li", "Zhang", "Liu", "Chen"],
        ["Wei", "Jun", "Hao", "Lei"],
        ["Fang", "Na", "Jing", "Xiu"],
    ),
    ("VN", ["Nguyen", "Tran", "Le", "Pham"], ["Minh", "Tuan", "Huy"], ["Lan", "Mai", "Thu"]),
    ("TH", ["Srisuk", "Chaiyaporn", "Wongsa"], ["Somchai", "Anan", "Prasert"], ["Suda", "Malee", "Ploy"]),
    ("KR", ["Kim", "Lee", "Park", "Choi"], ["Min-jun", "Ji-ho", "Seo-jun"], ["Ji-woo", "Seo-yeon", "Min-ji"]),
    ("JP", ["Sato", "Suzuki", "Tanaka"], ["Haruto", "Ren", "Takumi"], ["Yui", "Aoi", "Hina"]),
    ("FR", ["Martin", "Bernard", "Dubois"], ["Louis", "Hugo", "Lucas"], ["Emma", "Chloe", "Lea"]),
]

PHONE_PREFIXES = ["012", "015", "016", "017", "077", "078", "085", "088", "089", "092", "097", "098", "070"]

# (legal form, weight out of 1000, Khmer pattern, English pattern); {k}/{e}: brand words, {ak}/{ae}: activity.
LEGAL_FORMS = [
    ("SOLE_PROPRIETORSHIP", 560, "{ak} {k}", "{e} {ae}"),
    ("PRIVATE_LIMITED", 250, "ក្រុមហ៊ុន {k} {ak} ឯ.ក", "{e} {ae} Co., Ltd."),
    ("SINGLE_MEMBER_COMPANY", 120, "ក្រុមហ៊ុន {k} {ak} ឯ.ក", "{e} {ae} Co., Ltd."),
    ("GENERAL_PARTNERSHIP", 30, "ក្រុមហ៊ុនសហកម្មសិទ្ធិ {k} {ak}", "{e} {ae} Partnership"),
    ("PUBLIC_LIMITED", 20, "ក្រុមហ៊ុន {k} {ak} ម.ក", "{e} {ae} Plc."),
    ("FOREIGN_BRANCH", 12, "សាខាក្រុមហ៊ុន {k} {ak}", "{e} {ae} (Cambodia Branch)"),
    ("REPRESENTATIVE_OFFICE", 8, "ការិយាល័យតំណាង {k} {ak}", "{e} {ae} Representative Office"),
]

# The name of index i is a bijection of i over every (pseudo-word, brand word, activity) choice, so synthetic
# names are distinct up to this many businesses.
NAME_SPACE = len(FIRST_SYLLABLES) * len(SECOND_SYLLABLES) * len(BRAND_WORDS) * len(ACTIVITIES)
_NAME_STRIDE = (
    1_000_003  # a prime that does not divide NAME_SPACE: i -> i * stride mod NAME_SPACE is a bijection
)


def name_parts(index: int) -> tuple[list[tuple[str, str]], int]:
    """The two distinctive words (Khmer, Latin) and the activity position of synthetic business `index`."""
    p = (index * _NAME_STRIDE) % NAME_SPACE
    first = FIRST_SYLLABLES[p % len(FIRST_SYLLABLES)]
    p //= len(FIRST_SYLLABLES)
    second = SECOND_SYLLABLES[p % len(SECOND_SYLLABLES)]
    p //= len(SECOND_SYLLABLES)
    brand = BRAND_WORDS[p % len(BRAND_WORDS)]
    p //= len(BRAND_WORDS)
    word = (first[0] + second[0], first[1] + second[1])
    return [word, brand], p % len(ACTIVITIES)


def business_name(index: int) -> tuple[str, str, str, int]:
    """(name_km, name_en, legal_form, activity position) of synthetic business `index`."""
    words, activity = name_parts(index)
    act_km, act_en, _code = ACTIVITIES[activity]
    roll = mix(index ^ 0x1E6A1) % 1000
    form, _weight, km_pattern, en_pattern = LEGAL_FORMS[-1]
    for candidate in LEGAL_FORMS:
        if roll < candidate[1]:
            form, _weight, km_pattern, en_pattern = candidate
            break
        roll -= candidate[1]
    km = km_pattern.format(k=" ".join(w[0] for w in words), ak=act_km)
    en = en_pattern.format(e=" ".join(w[1] for w in words), ae=act_en)
    return km, en, form, activity


def owner_identity(index: int) -> tuple[str, str]:
    """(document type, number) of the owner of synthetic business `index`: reserved ranges only."""
    if _foreign(index) is not None:
        return "PASSPORT", f"SP{index:08d}"
    return "NATIONAL_ID", f"9{index:08d}"


def _foreign(index: int):
    roll = mix(index ^ 0xF0E1) % 100
    return FOREIGNERS[roll % len(FOREIGNERS)] if roll < 4 else None


# --- COPY rows --------------------------------------------------------------------------------------------

PERSON_COLUMNS = (
    "id",
    "province_id",
    "district_id",
    "commune_id",
    "village_id",
    "house_number",
    "street_name",
    "group_name",
    "last_name_km",
    "first_name_km",
    "last_name_en",
    "first_name_en",
    "gender",
    "nationality_id",
    "identity_document_type",
    "identity_number",
    "identity_number_hash",
    "phone",
    "phone_hash",
    "date_of_birth",
    "email",
    "created_at",
    "updated_at",
)
BUSINESS_COLUMNS = (
    "id",
    "province_id",
    "district_id",
    "commune_id",
    "village_id",
    "house_number",
    "street_name",
    "group_name",
    "single_id",
    "name_km",
    "name_en",
    "legal_form",
    "status",
    "registration_date",
    "email",
    "phone",
    "total_employees",
    "female_employees",
    "foreign_employees",
    "foreign_female_employees",
    "registered_via_obr",
    "use_obr_business_address",
    "created_at",
    "updated_at",
)
ROLE_COLUMNS = ("business_id", "person_id", "role", "since")
ACTIVITY_COLUMNS = ("business_id", "activity_id", "is_primary")


@dataclass(frozen=True)
class Lookups:
    """What a worker needs from the database, sent once per worker."""

    villages: list[tuple[int, int, int, int]]  # (village, commune, district, province) ids
    capital_villages: list[tuple[int, int, int, int]]  # the same, in Phnom Penh
    activity_ids: dict[str, int]  # ISIC class code -> id
    created_at: str


_lookups: Lookups | None = None


def init_worker(lookups: Lookups, field_keys: list[str] | None = None, hash_key: str | None = None) -> None:
    """Set up a worker process. A spawned worker has no Django settings: it gets the two keys it needs."""
    global _lookups
    _lookups = lookups
    if field_keys is not None:
        from django.conf import settings

        if not settings.configured:
            settings.configure(ESB_FIELD_ENCRYPTION_KEYS=field_keys, ESB_LOOKUP_HASH_KEY=hash_key)


def _address(index: int, salt: int) -> tuple[int, int, int, int]:
    assert _lookups is not None
    roll = mix(index ^ salt)
    # About a third of businesses are in the capital, as in the real register.
    pool = _lookups.capital_villages if roll % 3 == 0 else _lookups.villages
    return pool[(roll >> 8) % len(pool)]


def _row(values) -> str:
    # Every value is known and free of tabs, newlines and backslashes: no COPY escaping needed.
    return "\t".join(map(str, values)) + "\n"


def build_batch(job: tuple[list[int], list[int], list[int | None]]) -> tuple[str, str, str, str]:
    """COPY text (persons, businesses, roles, activities) for synthetic indexes with pre-allocated ids.

    `person_ids[k]` is None when the owner already exists (an earlier, interrupted run): the business links to
    `existing[k]` instead and no person row is written.
    """
    assert _lookups is not None, "init_worker() first"
    indexes, business_ids, person_ids, existing = job
    persons, businesses, roles, activities = [], [], [], []
    created = _lookups.created_at
    base_day = datetime.date(2005, 1, 1).toordinal()
    for index, business_id, person_id, existing_id in zip(
        indexes, business_ids, person_ids, existing, strict=True
    ):
        h = mix(index)
        name_km, name_en, legal_form, activity = business_name(index)
        registered = datetime.date.fromordinal(base_day + h % 7600)
        village, commune, district, province = _address(index, 0xB12)
        size_roll = (h >> 20) % 100
        if size_roll < 70:
            total = 1 + (h >> 28) % 10
        elif size_roll < 95:
            total = 11 + (h >> 28) % 90
        else:
            total = 101 + (h >> 28) % 1900
        female = (total * ((h >> 40) % 101)) // 100
        foreign = (total * ((h >> 48) % 6)) // 100
        foreign_female = min(foreign, female, foreign // 2)
        status_roll = mix(index ^ 0x57A7) % 100
        status = "ACTIVE" if status_roll < 92 else ("SUSPENDED" if status_roll < 97 else "DISSOLVED")
        phone = f"{PHONE_PREFIXES[(h >> 12) % len(PHONE_PREFIXES)]}{(h >> 16) % 10_000_000:07d}"
        businesses.append(
            _row(
                (
                    business_id,
                    province,
                    district,
                    commune,
                    village,
                    str(1 + (h >> 4) % 300),
                    str(1 + (h >> 9) % 600),
                    "",
                    single_id(index),
                    name_km,
                    name_en,
                    legal_form,
                    status,
                    registered.isoformat(),
                    f"contact{index}@example.com",
                    phone,
                    total,
                    female,
                    foreign,
                    foreign_female,
                    "t" if registered.year >= 2020 else "f",
                    "f",
                    created,
                    created,
                )
            )
        )
        activities.append(_row((business_id, _lookups.activity_ids[ACTIVITIES[activity][2]], "t")))
        owner_id = existing_id
        if person_id is not None:
            owner_id = person_id
            persons.append(_person_row(index, person_id, created))
        roles.append(_row((business_id, owner_id, "OWNER", registered.isoformat())))
    return "".join(persons), "".join(businesses), "".join(roles), "".join(activities)


def _person_row(index: int, person_id: int, created: str) -> str:
    h = mix(index ^ 0x5EED)
    female = h % 2 == 0
    foreign = _foreign(index)
    if foreign is None:
        nationality = "KH"
        last_km, last_en = SURNAMES[(h >> 8) % len(SURNAMES)]
        given = FEMALE_NAMES if female else MALE_NAMES
        first_km, first_en = given[(h >> 16) % len(given)]
    else:
        nationality, families, males, females = foreign
        last_km = first_km = ""
        last_en = families[(h >> 8) % len(families)]
        first_en = (females if female else males)[(h >> 16) % 3]
    doc_type, number = owner_identity(index)
    phone = f"{PHONE_PREFIXES[(h >> 24) % len(PHONE_PREFIXES)]}{(h >> 28) % 10_000_000:07d}"
    born = datetime.date.fromordinal(datetime.date(1955, 1, 1).toordinal() + (h >> 36) % 17000)
    village, commune, district, province = _address(index, 0x9E0)
    return _row(
        (
            person_id,
            province,
            district,
            commune,
            village,
            str(1 + (h >> 4) % 300),
            "",
            "",
            last_km,
            first_km,
            last_en,
            first_en,
            "FEMALE" if female else "MALE",
            nationality,
            doc_type,
            crypto.encrypt(number),
            crypto.lookup_hash(number),
            crypto.encrypt(phone),
            crypto.lookup_hash(phone),
            crypto.encrypt(born.isoformat()),
            "",
            created,
            created,
        )
    )
