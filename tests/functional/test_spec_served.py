"""GET /api/v1/openapi.yaml serves the spec the binary was built with as application/yaml,
to a client with the read scope."""

from node import assert_error, check, eq, start_node


def test_openapi_yaml_is_served_as_built(t):
    n = start_node(t)
    r = n.request("GET", "/api/v1/openapi.yaml")
    eq(r.status, 200, "GET /api/v1/openapi.yaml: %r" % r)
    eq(r.headers.get("content-type"), "application/yaml", "Content-Type")
    # test_openapi.py checks that the bytes are the tree's openapi.yaml.
    import yaml
    doc = yaml.safe_load(r.raw)
    check(str(doc.get("openapi", "")).startswith("3.1"), "an OpenAPI 3.1 document")
    assert_error(n.request("GET", "/api/v1/openapi.yaml", auth=False), 401)
    reader = n.create_api_key(tier="standard", scopes="read")
    r = n.request("GET", "/api/v1/openapi.yaml", headers={"Authorization": "Bearer " + reader})
    eq(r.status, 200, "the read scope is enough")
