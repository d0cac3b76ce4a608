"""Every golden ws/2 case against its dataset: status, body (XML, JSON or text) and MMD schema validity.

Cases for resources not registered yet (the release family until its modules land) are skipped with the
reason; once ``api/ws2/<module>.py`` defines the resource they run.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.ws2.registry import load_registry
from tests.ws2.conftest import Getter
from tests.ws2.golden import (
    SCHEMA_ALLOW,
    case_resource,
    json_normalize,
    load_cases,
    request_headers,
    schema_errors,
    xml_equal,
)

CASES = load_cases()

# Golden cases of the resources served here that do not pass yet, with the reason. Strict: a fix makes the
# run fail until the entry is removed.
KNOWN_FAILING: dict[str, str] = {}
# Cases of the release family that fail today (none); not strict.
RELEASE_FAMILY_FAILING: set[str] = set()
REGISTERED = set(load_registry()) | {"tag", "collection", "rating"}


def _params() -> list[Any]:
    params = []
    for case in CASES:
        resource = case_resource(case)
        marks = []
        if resource not in REGISTERED:
            marks.append(pytest.mark.skip(reason=f"resource {resource} not implemented yet"))
        elif case["id"] in KNOWN_FAILING:
            marks.append(pytest.mark.xfail(reason=KNOWN_FAILING[case["id"]], strict=True))
        elif case["id"] in RELEASE_FAMILY_FAILING:
            marks.append(pytest.mark.xfail(reason="release family resource not conformant yet", strict=False))
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


@pytest.mark.db
@pytest.mark.parametrize("case", _params())
def test_golden_case_matches_musicbrainz(case: dict[str, Any], ws2_get: Getter) -> None:
    response = ws2_get(case["dataset"], case["path"], request_headers(case))
    body = response.content
    assert response.status_code == case["expected_status"], body.decode(errors="replace")[:2000]
    text = body.decode()
    for needle in case.get("content_contains") or []:
        assert needle in text
    for needle in case.get("content_lacks") or []:
        assert needle not in text
    kind = case.get("expected_body_format")
    expected = case.get("expected_body")
    if response.headers["content-type"].startswith("application/xml") and response.status_code == 200:
        errors = schema_errors(body)
        if case["id"] not in SCHEMA_ALLOW:
            assert errors is None, errors
    if expected is None:
        return
    if kind == "xml":
        assert xml_equal(body, expected), text
    elif kind == "json":
        expected_value = expected if not isinstance(expected, str) else json.loads(expected)
        assert json_normalize(json.loads(text)) == json_normalize(expected_value)
    else:
        assert text == expected


def test_schema_allow_list_names_exactly_the_golden_bodies_that_do_not_validate() -> None:
    if not CASES:
        pytest.skip("golden cases not found (set MBMIRROR_SAMPLES)")
    invalid = {
        case["id"]
        for case in CASES
        if case.get("expected_body_format") == "xml"
        and case.get("expected_body")
        and schema_errors(case["expected_body"].encode()) is not None
    }
    assert invalid == set(SCHEMA_ALLOW)
