"""factory-boy factories for the registry, with named lifecycle states (traits)."""

import datetime

import factory

from registry.models import AdministrativeUnit, Business, BusinessRole, Country, Person

VILLAGE = "12010101"  # ភូមិ ១, Sangkat Tonle Basak, Khan Chamkar Mon, Phnom Penh


def _address(code: str = VILLAGE) -> dict:
    village = AdministrativeUnit.objects.select_related("parent__parent__parent").get(code=code)
    commune = village.parent
    return {
        "village": village,
        "commune": commune,
        "district": commune.parent,
        "province": commune.parent.parent,
    }


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    last_name_km = "សុខ"
    first_name_km = "ដារ៉ា"
    last_name_en = "Sok"
    first_name_en = "Dara"
    gender = Person.Gender.MALE
    nationality = factory.LazyFunction(lambda: Country.objects.get(alpha2="KH"))
    identity_document_type = Person.DocumentType.NATIONAL_ID
    identity_number = factory.Sequence(lambda n: f"0{n + 10_000_000:08d}")
    phone = factory.Sequence(lambda n: f"012 {n:06d}")
    date_of_birth = datetime.date(1985, 6, 15)

    class Params:
        foreigner = factory.Trait(
            last_name_km="",
            first_name_km="",
            last_name_en="Nguyen",
            first_name_en="Lan",
            gender=Person.Gender.FEMALE,
            nationality=factory.LazyFunction(lambda: Country.objects.get(alpha2="VN")),
            identity_document_type=Person.DocumentType.PASSPORT,
        )

    @factory.post_generation
    def with_address(obj, create, extracted, **kwargs):
        if extracted:
            for name, value in _address(extracted if isinstance(extracted, str) else VILLAGE).items():
                setattr(obj, name, value)
            if create:
                obj.save()


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business
        skip_postgeneration_save = True

    single_id = factory.Sequence(lambda n: f"{1_200_000_000 + n}")
    name_km = factory.Sequence(lambda n: f"ក្រុមហ៊ុន តេស្ត {n} ឯ.ក")
    name_en = factory.Sequence(lambda n: f"Test Company {n} Co., Ltd.")
    legal_form = Business.LegalForm.PRIVATE_LIMITED
    status = Business.Status.ACTIVE
    registration_date = datetime.date(2020, 1, 2)
    total_employees = 10
    female_employees = 4

    class Params:
        suspended = factory.Trait(status=Business.Status.SUSPENDED)
        dissolved = factory.Trait(status=Business.Status.DISSOLVED)

    @factory.post_generation
    def owner(obj, create, extracted, **kwargs):
        """`BusinessFactory(owner=person)` links an active OWNER role."""
        if extracted and create:
            BusinessRole.objects.create(
                business=obj, person=extracted, role=BusinessRole.Role.OWNER, since=obj.registration_date
            )
