"""Attachments over HTTP: the widget's upload endpoint, the operator API action and the
view that serves stored files; and both socket ends seeing the other's file live."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.authtoken.models import Token

from contactcenter.asgi import application
from inbox import services
from inbox.models import Attachment, Message, SessionStatus
from tests import factories
from tests.conftest import api_as
from tests.inbox.test_attachments import JPEG, PDF, PNG, stored_files, upload

pytestmark = pytest.mark.django_db

ATTACHMENT_CSP = "default-src 'none'; img-src 'self'; sandbox"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def widget():
    """A widget channel and a visitor; ``post`` uploads as that visitor."""
    channel = factories.ChannelFactory(allowed_origins=["https://shop.example"])
    visitor, token = services.widget_visitor_create(channel=channel, name="Ada")

    def post(data, *, key=channel.key, auth=f"Visitor {token}", origin="https://shop.example"):
        headers = {"Origin": origin}
        if auth is not None:
            headers["Authorization"] = auth
        return Client().post(f"/widget/api/{key}/attachments/", data, headers=headers)

    return {"channel": channel, "visitor": visitor, "token": token, "post": post}


@pytest.fixture
def held():
    """An active session held by Anna; Boris is in the same group."""
    group = factories.GroupFactory(name="Support")
    anna = factories.OperatorFactory(display_name="Anna")
    boris = factories.OperatorFactory(display_name="Boris")
    for operator in (anna, boris):
        factories.MembershipFactory(group=group, operator=operator)
    channel = factories.ChannelFactory(default_group=group)
    visitor, token = services.widget_visitor_create(channel=channel, name="Ada")
    first = services.contact_message_receive(dialog_id=visitor.dialog_id, text="Hello?")
    session = first.message.session
    session.status, session.operator = SessionStatus.ACTIVE, anna
    session.save()
    return {"anna": anna, "boris": boris, "session": session, "channel": channel, "token": token}


def _api_upload(operator, session, data):
    return api_as(operator.user).post(
        f"/api/v1/sessions/{session.pk}/attachments/", data, format="multipart"
    )


# --- the widget's endpoint ----------------------------------------------------------------


def test_a_visitor_uploads_a_file_and_gets_the_ack(widget, media):
    response = widget["post"]({"file": upload(), "client_id": "f-1", "text": "my screen"})

    assert response.status_code == 201
    message = Message.objects.get()
    assert response.json() == {"client_id": "f-1", "id": message.pk}
    assert (message.sender_type, message.text, message.dialog_id) == (
        "contact",
        "my screen",
        widget["visitor"].dialog_id,
    )
    attachment = message.attachments.get()
    assert (media / attachment.file.name).read_bytes() == PNG


def test_a_repeated_upload_is_acked_with_the_same_id_and_stores_nothing(widget, media):
    first = widget["post"]({"file": upload(), "client_id": "f-1"})
    again = widget["post"]({"file": upload(), "client_id": "f-1"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Attachment.objects.count() == 1
    assert len(stored_files(media)) == 1


@pytest.mark.parametrize(
    "auth", [None, "", "Visitor", "Visitor nope", "Bearer x", "Token abc"], ids=repr
)
def test_an_upload_without_a_valid_visitor_token_is_401(widget, media, auth):
    response = widget["post"]({"file": upload()}, auth=auth)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Visitor"
    assert stored_files(media) == []


def test_another_channels_visitor_token_is_401(widget):
    other = factories.ChannelFactory()
    _, token = services.widget_visitor_create(channel=other)
    assert widget["post"]({"file": upload()}, auth=f"Visitor {token}").status_code == 401


def test_an_unknown_key_is_404_and_a_foreign_origin_403(widget):
    assert widget["post"]({"file": upload()}, key="nope").status_code == 404
    assert widget["post"]({"file": upload()}, origin="https://evil.example").status_code == 403
    assert not Message.objects.exists()


def test_a_file_over_the_limit_is_413_and_leaves_nothing(widget, media, settings):
    settings.ATTACHMENT_MAX_BYTES = len(PNG) - 1

    response = widget["post"]({"file": upload(), "client_id": "big"})

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Message.objects.exists()
    assert stored_files(media) == []


def test_a_body_declared_beyond_the_limit_is_413_before_it_is_read(widget, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    huge = upload("huge.txt", b"x" * (100 * 1024), "text/plain")

    response = widget["post"]({"file": huge})

    assert response.status_code == 413
    assert stored_files(media) == []


def test_a_png_that_is_not_a_png_is_400_with_a_reason(widget, media):
    fake = upload("cat.png", b"<html><script>alert(1)</script></html>", "image/png")

    response = widget["post"]({"file": fake})

    assert response.status_code == 400
    assert response.json()["code"] == "bad_content"
    assert "does not match" in response.json()["detail"]
    assert response.json()["file"] == [response.json()["detail"]]
    assert stored_files(media) == []


def test_a_type_not_allowed_is_400(widget, media):
    response = widget["post"]({"file": upload("page.html", b"<html></html>", "text/html")})

    assert response.status_code == 400
    assert response.json()["code"] == "bad_type"
    assert "text/html" in response.json()["detail"]
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("data", "code"),
    [({}, "no_file"), ({"file": upload(), "text": "x" * 10_001}, "too_long")],
)
def test_missing_files_and_long_texts_are_400(widget, data, code):
    response = widget["post"](data)
    assert response.status_code == 400
    assert response.json()["code"] == code


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": "caption\x00"}, "text"),
        ({"client_id": "c\x00"}, "client_id"),
    ],
)
def test_a_nul_in_the_text_or_client_id_of_an_upload_is_400_naming_it(widget, media, data, field):
    response = widget["post"]({"file": upload(), **data})

    assert response.status_code == 400
    assert field in response.json()
    assert stored_files(media) == []


def test_a_json_body_is_400_not_500(widget):
    response = Client().post(
        f"/widget/api/{widget['channel'].key}/attachments/",
        {"file": "x"},
        content_type="application/json",
        headers={"Authorization": f"Visitor {widget['token']}", "Origin": "https://shop.example"},
    )
    assert response.status_code == 400


def test_a_traversal_name_is_sanitized(widget, media):
    response = widget["post"]({"file": upload("..\\..\\..//etc/passwd.png")})

    assert response.status_code == 201
    attachment = Attachment.objects.get()
    assert attachment.name == "passwd.png"
    [path] = stored_files(media)
    assert path.resolve().is_relative_to((media / "attachments").resolve())


def test_the_widget_preflight_allows_the_authorization_header(widget):
    response = Client().options(
        f"/widget/api/{widget['channel'].key}/attachments/",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 200
    assert "authorization" in response["Access-Control-Allow-Headers"].lower()


def test_a_visitor_uploading_too_fast_is_429(widget, monkeypatch):
    monkeypatch.setattr("inbox.widget_api.UPLOADS_PER_MINUTE", 2)
    monkeypatch.setattr("inbox.widget_api._minute", lambda: 1)

    codes = [widget["post"]({"file": upload()}).status_code for _ in range(3)]

    assert codes == [201, 201, 429]
    assert Attachment.objects.count() == 2


# --- the operator API ----------------------------------------------------------------------


def test_the_holder_uploads_through_the_api(held, media):
    response = _api_upload(
        held["anna"], held["session"], {"file": upload("offer.pdf", PDF, "application/pdf")}
    )

    body = response.json()
    assert response.status_code == 201
    assert (body["sender_type"], body["sender_name"], body["text"]) == ("operator", "Anna", "")
    [attachment] = body["attachments"]
    assert (attachment["name"], attachment["content_type"], attachment["size"]) == (
        "offer.pdf",
        "application/pdf",
        len(PDF),
    )
    assert attachment["url"].startswith(f"/media/attachments/{held['session'].dialog_id}/")
    assert len(stored_files(media)) == 1


def test_an_api_repeat_answers_200_with_the_same_message(held, media):
    first = _api_upload(held["anna"], held["session"], {"file": upload(), "client_id": "a-1"})
    again = _api_upload(held["anna"], held["session"], {"file": upload(), "client_id": "a-1"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["attachments"] == first.json()["attachments"]
    assert len(stored_files(media)) == 1


def test_only_the_holder_may_upload(held, media):
    refused = _api_upload(held["boris"], held["session"], {"file": upload()})
    services.session_close(session_id=held["session"].pk)
    closed = _api_upload(held["anna"], held["session"], {"file": upload()})

    assert (refused.status_code, closed.status_code) == (409, 409)
    assert stored_files(media) == []
    assert not Attachment.objects.exists()


def test_an_outsider_gets_404(held):
    outsider = factories.OperatorFactory()
    assert _api_upload(outsider, held["session"], {"file": upload()}).status_code == 404


def test_api_uploads_too_large_or_of_a_wrong_type_are_refused(held, media, settings):
    fake = _api_upload(held["anna"], held["session"], {"file": upload("x.jpg", PNG, "image/jpeg")})
    no_file = _api_upload(held["anna"], held["session"], {"text": "hi"})
    settings.ATTACHMENT_MAX_BYTES = 10
    big = _api_upload(held["anna"], held["session"], {"file": upload()})

    assert fake.status_code == 400 and "does not match" in fake.json()["file"][0]
    assert no_file.status_code == 400 and "file" in no_file.json()
    assert big.status_code == 413
    assert stored_files(media) == []


def test_the_schema_documents_the_upload(admin_api):
    schema = admin_api.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/sessions/{id}/attachments/"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"201", "409", "413"} <= set(operation["responses"])


# --- serving files -------------------------------------------------------------------------


def _stored(name="photo.png", content=PNG, content_type="image/png"):
    channel = factories.ChannelFactory()
    visitor, _ = services.widget_visitor_create(channel=channel)
    stored = services.contact_attachment_receive(
        dialog_id=visitor.dialog_id, upload=upload(name, content, content_type)
    )
    return stored.message.attachments.get()


def test_an_image_is_served_inline_with_the_security_headers(client):
    attachment = _stored()

    response = client.get(attachment.file.url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == ATTACHMENT_CSP
    assert response["Content-Disposition"].startswith("inline")


def test_a_pdf_is_inline_and_other_files_are_downloads(client):
    pdf = _stored("offer.pdf", PDF, "application/pdf")
    text = _stored("notes.txt", b"<script>alert(1)</script>", "text/plain")

    pdf_response = client.get(pdf.file.url)
    text_response = client.get(text.file.url)

    assert pdf_response["Content-Disposition"].startswith("inline")
    assert text_response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert text_response["Content-Security-Policy"] == ATTACHMENT_CSP
    assert text_response["X-Content-Type-Options"] == "nosniff"


def test_a_non_ascii_name_is_served_with_its_name(client):
    attachment = _stored("Счёт 5.jpg", JPEG, "image/jpeg")

    response = client.get(attachment.file.url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    assert "filename*=utf-8''" in response["Content-Disposition"]


@pytest.mark.parametrize(
    "path",
    [
        "/media/../settings.py",
        "/media/attachments/../../x",
        "/media/attachments/%2e%2e/%2e%2e/contactcenter/settings.py",
        "/media/attachments/1/..%2f..%2fx",
        "/media/attachments//etc/passwd",
        "/media/attachments/1/abc/missing.png",
        "/media/other/file.txt",
        "/media/attachments",
        "/media/",
    ],
)
def test_anything_but_a_recorded_attachment_is_404(client, path):
    _stored()
    assert client.get(path).status_code == 404


def test_a_file_on_disk_that_no_message_records_is_404(client, media):
    stray = media / "attachments" / "1" / "abcdef" / "stray.png"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(PNG)

    assert client.get("/media/attachments/1/abcdef/stray.png").status_code == 404


def test_only_get_and_head_are_served(client):
    attachment = _stored()
    assert client.head(attachment.file.url).status_code == 200
    assert client.post(attachment.file.url).status_code == 405


# --- live, through the sockets ---------------------------------------------------------------


async def _operator_socket(user):
    token = await sync_to_async(lambda: Token.objects.get_or_create(user=user)[0].key)()
    ws = WebsocketCommunicator(
        application,
        "/ws/operator/",
        headers=[(b"authorization", f"Token {token}".encode()), (b"origin", b"http://localhost")],
    )
    connected, _ = await ws.connect()
    assert connected
    return ws


async def _next_of_type(ws, kind):
    while True:
        frame = await ws.receive_json_from(timeout=3)
        if frame["type"] == kind:
            return frame


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_widget_upload_reaches_the_operator_socket(held):
    op = await _operator_socket(held["anna"].user)
    await _next_of_type(op, "hello")
    channel, token = held["channel"], held["token"]

    response = await sync_to_async(Client().post)(
        f"/widget/api/{channel.key}/attachments/",
        {"file": upload(), "client_id": "w-1"},
        headers={"Authorization": f"Visitor {token}"},
    )
    created = await _next_of_type(op, "message.created")

    assert response.status_code == 201
    message = created["message"]
    assert (message["id"], message["client_id"], message["sender_type"]) == (
        response.json()["id"],
        "w-1",
        "contact",
    )
    [attachment] = message["attachments"]
    assert (attachment["name"], attachment["content_type"], attachment["size"]) == (
        "photo.png",
        "image/png",
        len(PNG),
    )
    assert attachment["url"].startswith("/media/attachments/")
    await op.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_an_operator_upload_reaches_the_widget_socket(held):
    channel, token = held["channel"], held["token"]
    ws = WebsocketCommunicator(
        application,
        f"/ws/widget/{channel.key}/?token={token}",
        headers=[(b"origin", b"https://shop.example")],
    )
    assert (await ws.connect())[0]
    await _next_of_type(ws, "welcome")

    response = await sync_to_async(_api_upload)(
        held["anna"],
        held["session"],
        {"file": upload("offer.pdf", PDF, "application/pdf"), "text": "The offer"},
    )
    frame = await _next_of_type(ws, "message")

    assert response.status_code == 201
    assert frame["message"]["id"] == response.json()["id"]
    assert frame["message"]["text"] == "The offer"
    assert frame["message"]["attachments"] == response.json()["attachments"]
    url = frame["message"]["attachments"][0]["url"]
    served = await sync_to_async(Client().get)(url)
    assert b"".join(served.streaming_content) == PDF
    await ws.disconnect()
