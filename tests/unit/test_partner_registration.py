"""A partner's registration: what the registry accepts, and the codes of what it refuses."""

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from hub.canonical.partners import PartnerRegistration
from hub.routes.policy import errors_of


def registration(**changes: Any) -> dict[str, Any]:
    return {"partner_id": "comtel", "name": "ComTel Networks",
            "connector": {"kind": "soap", "address": "https://crm.comtel.example/soap",
                          "username": "hub", "secret_ref": "comtel-soap"}} | changes


class Handler(BaseModel):
    """The route's parameter, as the error policy sees its validation errors."""

    registration: PartnerRegistration


def codes(data: dict[str, Any]) -> list[tuple[str, str | None]]:
    with pytest.raises(ValidationError) as refused:
        Handler.model_validate({"registration": data})
    return [(e.code, e.path) for e in errors_of(refused.value)]


def test_each_connector_speaks_its_vocabulary_unless_told_otherwise():
    assert PartnerRegistration.model_validate(registration()).spoken_vocabulary() == "odoo"
    amqp = registration(connector={"kind": "amqp"})
    assert PartnerRegistration.model_validate(amqp).spoken_vocabulary() == "salesforce"
    assert PartnerRegistration.model_validate(amqp | {"vocabulary": "odoo"}
                                              ).spoken_vocabulary() == "odoo"


@pytest.mark.parametrize("change, expected", [
    ({"connector": {"kind": "soap", "address": "https://x"}},
     [("partner.connector_invalid", "connector")]),
    ({"connector": {"kind": "ftp"}}, [("partner.connector_kind_unknown", "connector.kind")]),
    ({"vocabulary": "klingon"}, [("partner.vocabulary_unknown", "vocabulary")]),
    ({"partner_id": "ComTel Networks"}, [("request.field_invalid", "partner_id")]),
    ({"name": ""}, [("request.field_invalid", "name")]),
    ({"connector": {"kind": "soap", "address": "ftp://x", "username": "u", "secret_ref": "s"}},
     [("request.field_invalid", "connector.address")]),
])
def test_a_bad_registration_is_refused_with_a_code_and_a_path(change, expected):
    assert codes(registration(**change)) == expected


def test_a_secret_is_named_never_carried():
    assert "secret" not in PartnerRegistration.model_fields["connector"].annotation.model_fields
