import pytest


@pytest.fixture
def ref(reference_data, db):
    """Reference data plus the database for this test."""
    return reference_data
