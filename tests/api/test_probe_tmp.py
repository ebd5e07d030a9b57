import json
from tests.api.conftest import API

def test_probe(world, api_as, pupil_a):
    c = api_as(world.registrar_a)
    for method, path, body in [
        ("get", "/students", None),
        ("get", f"/students/{pupil_a.pk}", None),
        ("post", "/students", {"student": {"name": 5}, "enrollment": []}),
        ("post", "/students", "{bad"),
        ("post", "/students", {"student": {"name": {"a": 1}}, "enrollment": {}, "family": [{"x": 1}]}),
        ("get", "/students?page_size=1000&grade=x", None),
        ("get", "/students/abc", None),
        ("get", f"/students/{10**30}", None),
        ("get", "/schools", None),
        ("get", "/schools/4105030001/classes", None),
    ]:
        kw = {}
        if body is not None:
            kw = {"data": body if isinstance(body, str) else json.dumps(body), "content_type": "application/json"}
        r = getattr(c, method)(API + path, **kw)
        print(method, path, r.status_code, r.content.decode()[:1500])
