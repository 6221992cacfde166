"""Partner vocabularies by name: where a lead keeps its ids, and each maps both ways as JSON."""

import json

import pytest

from hub.canonical.opportunities import Opportunity
from hub.mappers.vocabularies import ODOO, SALESFORCE, VOCABULARIES
from tests.support.partners import an_opportunity


@pytest.mark.parametrize("vocabulary", [SALESFORCE, ODOO])
def test_a_lead_survives_json_in_each_vocabulary(vocabulary):
    opportunity = Opportunity.model_validate(an_opportunity("OPP-7"))
    lead = json.loads(json.dumps(vocabulary.to_lead(opportunity, "p")))
    assert vocabulary.hub_ref(lead) == "OPP-7"
    assert vocabulary.from_lead(lead, "p", None).opportunity_id == "OPP-7"


@pytest.mark.parametrize("vocabulary, lead, expected", [
    (SALESFORCE, {"Id": "00Q1", "ExternalId__c": "OPP-1"}, ("00Q1", "OPP-1")),
    (ODOO, {"id": "77", "x_hub_ref": "OPP-1"}, ("77", "OPP-1")),
    (SALESFORCE, {"Id": 5, "ExternalId__c": ""}, (None, None)),
    (ODOO, {}, (None, None)),
])
def test_each_vocabulary_knows_where_the_ids_are(vocabulary, lead, expected):
    assert (vocabulary.lead_id(lead), vocabulary.hub_ref(lead)) == expected


def test_every_registrable_vocabulary_has_mappers():
    assert set(VOCABULARIES) == {"salesforce", "odoo"}
