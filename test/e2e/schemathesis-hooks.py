# Schemathesis hooks for test/e2e/schemathesis.test.ts (loaded through SCHEMATHESIS_HOOKS). A schema
# cannot state a rule between the path and the body, two body fields, a header and the body, or a
# request and an earlier one; docs/openapi.json states those rules in words (POST's requestBody and
# its 400/422, GET list's next_page_token and 400). Left alone, Schemathesis sends "positive" cases
# that break them and reads the documented 400/422 as a valid request refused. These hooks make each
# positive case obey exactly those documented rules, nothing else: negative cases are untouched, and
# no check, status or operation is changed.
import copy
import uuid

import schemathesis

CREATE_RUN = ("POST", "/v1/organizations/{organization_id}/seer-runs")
LIST_RUNS = ("GET", "/v1/organizations/{organization_id}/seer-runs")


def _is_positive(case):
    return case.meta is not None and case.meta.generation.mode.is_positive


def _path_organization(case):
    # Path parameters reach hooks already serialized: "42" for the document's integer 42.
    value = case.path_parameters.get("organization_id")
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _obey_create_rules(case):
    organization = _path_organization(case)
    body = case.body
    if isinstance(body, dict):
        # "a request's organization field naming another organization than the path" is 400
        # (organization_id, or org_id for assisted_query).
        request = body.get("request")
        if isinstance(request, dict):
            for field in ("organization_id", "org_id"):
                if field in request:
                    request[field] = organization
            # "a request's project field differing from project_id" is 400.
            if "project_id" in request and "project_id" in body:
                request["project_id"] = body["project_id"]
        # "viewer_context.organization_id naming another organization than the path" is 400.
        viewer_context = body.get("viewer_context")
        if isinstance(viewer_context, dict):
            viewer_context["organization_id"] = organization
        # A retry_token names a run the tester cannot know: unknown is 404 (allowed), but with an
        # Idempotency-Key naming another run it is 422 retry_token_mismatch.
        body.pop("retry_token", None)
    # "the Idempotency-Key names a run made from another body" is 422 idempotency_key_reused: the
    # tester reuses header values across cases, so a positive case gets a key of its own.
    if case.headers is not None and "idempotency-key" in case.headers:
        case.headers["idempotency-key"] = str(uuid.uuid4())


def _came_from_a_page(case, parameter):
    return any(
        draw.location == "query" and draw.parameter_name == parameter
        for draw in case.meta.pool_draws
    )


def _obey_list_rules(case):
    # "a next_page_token not handed out by this list, for this organization and these filters" is
    # 400: only a token Schemathesis took from an earlier page's answer is kept.
    if case.query and "next_page_token" in case.query:
        if not _came_from_a_page(case, "next_page_token"):
            del case.query["next_page_token"]


@schemathesis.hook
def map_case(context, case):
    if not _is_positive(case):
        return case
    operation = (case.method.upper(), case.path)
    # Coverage cases share their body, headers and query objects: change copies only.
    case.body = copy.deepcopy(case.body)
    case.headers = copy.deepcopy(case.headers)
    case.query = copy.deepcopy(case.query)
    if operation == CREATE_RUN:
        _obey_create_rules(case)
    elif operation == LIST_RUNS:
        _obey_list_rules(case)
    return case
