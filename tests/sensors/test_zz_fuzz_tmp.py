import schemathesis
from citysteward.bootstrap import create_app
from tests.builders import api_fuzz

def test_fuzz_sensors(rt, city, client, token, monkeypatch):
    orig = schemathesis.openapi.from_asgi
    monkeypatch.setattr(schemathesis.openapi, "from_asgi", lambda *a, **k: orig(*a, **k).include(path_regex="sensors"))
    app = create_app(runtime=rt)
    r = api_fuzz.fuzz_api(app, token("admin"), max_examples=60)
    print(r.summary())
    assert not r.server_errors, "\n".join(r.server_errors)
    assert not r.violations, "\n".join(r.violations)
