"""The page routes over plain HTTP: redirects, security headers, static files, no inline script."""

import re

import pytest

PAGES = ["/", "/projects/1/label", "/projects/1/manage"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_to_login_without_a_session(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


def test_login_page_has_a_strict_csp_and_no_inline_script(client):
    response = client.get("/login")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    scripts = re.findall(r"<script\b[^>]*>", response.text)
    assert scripts and all('src="/static/' in tag for tag in scripts)


def test_login_page_keeps_only_local_next_targets(client):
    assert 'data-next="/projects/3/label"' in client.get("/login?next=/projects/3/label").text
    for target in ("//evil.example", "https://evil.example/", "/\\evil.example"):
        assert 'data-next="/"' in client.get("/login", params={"next": target}).text


def test_pages_render_for_a_logged_in_member(client, org):
    annotator = org.member("annotator")
    project = org.project()
    login = client.post(
        "/api/v1/auth/login", json={"email": annotator.email, "password": "member-password-123"}
    )
    assert login.status_code == 200
    try:
        for path in ("/", f"/projects/{project['id']}/label", f"/projects/{project['id']}/manage"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert "content-security-policy" in response.headers
            assert annotator.email in response.text
        assert client.get("/login", follow_redirects=False).status_code == 303
    finally:
        client.post("/api/v1/auth/logout")
        client.cookies.clear()


@pytest.mark.parametrize("name", ["api.js", "label.js", "markdown.js", "spans.js", "widgets.js", "assay.css"])
def test_static_files_are_served(client, name):
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "text/css" if name.endswith(".css") else "text/javascript"
    )
