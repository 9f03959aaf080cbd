from registry.models.institutions import Department, Institution

__all__ = ["Department", "Institution"]
