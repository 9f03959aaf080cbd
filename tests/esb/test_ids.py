"""esb.ids: the one parser of ids from requests (ASCII digits, positive, within bigint)."""

import pytest

from esb.ids import BIGINT_MAX, InvalidId, parse_id, parse_ids, require_id


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1", 1),
        ("0042", 42),
        (7, 7),
        (str(BIGINT_MAX), BIGINT_MAX),
        ("0", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1 ", None),
        ("1.0", None),
        ("", None),
        (None, None),
        (True, None),
        ("²", None),  # "²".isdigit() is True, int("²") raises
        ("١٢", None),  # Arabic-Indic digits: int() would accept them
        ("１２", None),  # full-width digits
        (str(BIGINT_MAX + 1), None),
        ("9" * 400, None),
        (0, None),
        (-5, None),
    ],
)
def test_parse_id(value, expected):
    assert parse_id(value) == expected


def test_require_id_raises_a_typed_error():
    assert require_id("12") == 12
    with pytest.raises(InvalidId):
        require_id("²")
    assert issubclass(InvalidId, ValueError)


def test_parse_ids_keeps_valid_ones_in_order_once():
    assert parse_ids(["3", "²", "1", "3", "x", "-2", "2"]) == [3, 1, 2]


@pytest.mark.django_db
@pytest.mark.parametrize("object_id", ["²", "١", "99999999999999999999999"])
def test_backoffice_pages_taking_an_object_id_answer_404_not_500(client, object_id):
    from accounts.models import User

    client.force_login(User.objects.create_superuser("ids-admin", "ids@example.gov.kh", "a-long-pass-word"))
    for url in (
        f"/backoffice/licensing/licencetype/{object_id}/new-form-draft/",
        f"/backoffice/licensing/formdefinition/{object_id}/change/",
    ):
        assert client.get(url).status_code in (302, 404), url
