from registry.models.address import ADDRESS_LEVELS, ADDRESS_RELATED, AddressFields
from registry.models.business import Business, BusinessActivity, BusinessRole
from registry.models.institutions import Department, Institution
from registry.models.person import Person
from registry.models.property import Property
from registry.models.reference import AdministrativeUnit, Country, IsicActivity

__all__ = [
    "ADDRESS_LEVELS",
    "ADDRESS_RELATED",
    "AddressFields",
    "AdministrativeUnit",
    "Business",
    "BusinessActivity",
    "BusinessRole",
    "Country",
    "Department",
    "Institution",
    "IsicActivity",
    "Person",
    "Property",
]
