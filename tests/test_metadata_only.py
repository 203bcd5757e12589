"""Metadata only: no image, video or file reaches a view, and nothing of such a request is stored."""

import base64
import json
import re
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import reverse

from cases.middleware import FIELD_REFUSED, MEDIA_REFUSED, TOO_LARGE, UPLOADS_REFUSED
from cases.models import CaseLogEntry
from safeguard.metadata import find_data_uri, looks_like_media
from tests.factories.cases import CaseFactory

pytestmark = pytest.mark.django_db

PAD = b"\x00" * 400

# The first bytes of each kind of file, as a camera, phone or editor writes them.
SIGNATURES = {
    "JPEG image": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + PAD,
    "PNG image": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + PAD,
    "GIF image": b"GIF89a\x01\x00\x01\x00" + PAD,
    "GIF87a image": b"GIF87a\x01\x00\x01\x00" + PAD,
    "WebP image": b"RIFF\x24\x00\x00\x00WEBPVP8 " + PAD,
    "HEIC image": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + PAD,
    "AVIF image": b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00" + PAD,
    "MP4 video": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00" + PAD,
    "QuickTime video": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00" + PAD,
    "QuickTime video (moov first)": b"\x00\x00\x01\x00moov" + PAD,
    "AVI video": b"RIFF\x24\x00\x00\x00AVI LIST" + PAD,
    "Matroska video": b"\x1a\x45\xdf\xa3\x93\x42\x82\x88matroska" + PAD,
    "BMP image": b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00" + PAD,
    "TIFF image (Intel)": b"II*\x00\x08\x00\x00\x00" + PAD,
    "TIFF image (Motorola)": b"MM\x00*\x00\x00\x00\x08" + PAD,
    "MPEG program stream": b"\x00\x00\x01\xba\x44\x00\x04\x00" + PAD,
    "MPEG transport stream": (b"\x47\x40\x00\x10" + b"\xff" * 184) * 3,
    "Flash video": b"FLV\x01\x05\x00\x00\x00\x09" + PAD,
    "SVG image": b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>',
    "JPEG XL image": b"\xff\x0a\xfa\x7f" + PAD,
    "Ogg video": b"OggS\x00\x02\x00\x00" + PAD,
}


@pytest.mark.parametrize("data", SIGNATURES.values(), ids=SIGNATURES.keys())
def test_it_recognises_each_media_signature(data):
    assert looks_like_media(data) is not None


@pytest.mark.parametrize("data", SIGNATURES.values(), ids=SIGNATURES.keys())
def test_it_recognises_each_media_signature_in_base64(data):
    assert looks_like_media(base64.b64encode(data)) is not None
    assert looks_like_media(base64.urlsafe_b64encode(data)) is not None
    wrapped = base64.encodebytes(data)  # MIME style: lines of 76 characters
    assert looks_like_media(wrapped) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Comms data: resolved, subscriber named at 12 Mill Lane.",
        "Carefree attitude in interview.",
        "BM Cars Ltd, invoice 4411",
        "Ryan attended the station voluntarily and was interviewed under caution.",
        "STF-2026-000123",
        "GIF shared on the platform (count only).",
        "203.0.113.7:51413 observed 2026-11-16 21:14:05 UTC",
        "exhibit SDH/01 seized; data: not yet reviewed",
        "CEOP-2026-114552",
        "",
    ],
)
def test_it_leaves_ordinary_case_text_alone(text):
    assert looks_like_media(text.encode()) is None
    assert not find_data_uri(text)


@pytest.mark.parametrize(
    "value",
    [
        "data:image/png;base64,iVBORw0KGgo=",
        "DATA:IMAGE/JPEG;BASE64,/9j/4AAQ",
        "see data: image/png ; base64 , iVBOR",
        "data:video/mp4;base64,AAAAIGZ0eXA=",
        "data:;base64,AAAA",
        "data:,hello",
        "prefix text data:application/octet-stream;name=x.bin;base64,AAAA",
        "<img src='data:image/gif;base64,R0lGODlh'>",
    ],
)
def test_it_finds_data_uris_however_they_are_written(value):
    assert find_data_uri(value)


# Requests through the whole middleware stack.


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


def _log_url(case):
    return reverse("cases:log_add", kwargs={"reference": case.reference})


def test_it_accepts_a_benign_text_post_and_the_view_saves_it(signed_in, case):
    response = signed_in.post(_log_url(case), {"kind": "note", "text": "Reviewed the CEOP package: 14 files reported."})
    assert response.status_code == 302
    assert CaseLogEntry.objects.filter(case=case, text__startswith="Reviewed the CEOP package").exists()


def test_it_refuses_a_multipart_form_with_a_file_and_saves_nothing(signed_in, case):
    photo = SIGNATURES["JPEG image"]
    body, content_type = _multipart({"kind": "note", "text": "See attached"}, ("photo", "IMG_0001.jpg", photo))
    response = signed_in.post(_log_url(case), body, content_type=content_type)
    assert response.status_code == 415
    assert UPLOADS_REFUSED in response.content.decode()
    assert not CaseLogEntry.objects.filter(case=case).exists()


def test_it_refuses_a_multipart_form_even_without_a_file(signed_in, case):
    body, content_type = _multipart({"kind": "note", "text": "Plain words"})
    response = signed_in.post(_log_url(case), body, content_type=content_type)
    assert response.status_code == 415
    assert not CaseLogEntry.objects.filter(case=case).exists()


@pytest.mark.parametrize("name", ["JPEG image", "PNG image", "MP4 video", "Matroska video"])
def test_it_refuses_a_raw_media_body_and_saves_nothing(signed_in, case, name):
    response = signed_in.post(_log_url(case), SIGNATURES[name], content_type="text/plain")
    assert response.status_code == 415
    assert "Nothing was saved." in response.content.decode()
    assert not CaseLogEntry.objects.filter(case=case).exists()


@pytest.mark.parametrize("content_type", ["image/jpeg", "video/mp4", "application/octet-stream", "application/pdf"])
def test_it_refuses_a_body_of_any_file_type(signed_in, case, content_type):
    response = signed_in.post(_log_url(case), b"%PDF-1.7 whatever", content_type=content_type)
    assert response.status_code == 415
    assert not CaseLogEntry.objects.filter(case=case).exists()


def test_it_refuses_a_data_uri_in_a_form_field_naming_the_field(signed_in, case):
    text = "Screenshot: data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    response = _urlencoded_post(signed_in, _log_url(case), {"kind": b"note", "text": text.encode()})
    assert response.status_code == 400
    page = response.content.decode()
    assert FIELD_REFUSED.format(field="text", kind="a data: URI") in page
    assert not CaseLogEntry.objects.filter(case=case).exists()


def test_it_refuses_image_bytes_in_a_url_encoded_field(signed_in, case):
    response = _urlencoded_post(signed_in, _log_url(case), {"kind": b"note", "text": SIGNATURES["PNG image"]})
    assert response.status_code == 400
    assert "the field “text” contains a PNG image" in response.content.decode()
    assert not CaseLogEntry.objects.filter(case=case).exists()


def test_it_refuses_base64_of_an_image_in_a_url_encoded_field(signed_in, case):
    encoded = base64.b64encode(SIGNATURES["JPEG image"])
    response = _urlencoded_post(signed_in, _log_url(case), {"kind": b"note", "text": encoded})
    assert response.status_code == 400
    assert "JPEG image (base64)" in response.content.decode()
    assert not CaseLogEntry.objects.filter(case=case).exists()


def test_it_refuses_a_data_uri_in_the_query_string(signed_in):
    response = signed_in.get(reverse("cases:list"), {"q": "data:image/png;base64,iVBORw0KGgo="})
    assert response.status_code == 400


def test_it_answers_json_clients_in_json(signed_in, case):
    response = _urlencoded_post(
        signed_in,
        _log_url(case),
        {"text": b"data:image/jpeg;base64,/9j/4AAQ"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "value_refused",
        "message": FIELD_REFUSED.format(field="text", kind="a data: URI"),
        "field": "text",
    }


def test_it_refuses_a_data_uri_inside_a_json_body(signed_in, case):
    body = json.dumps({"case": {"notes": ["fine", "data:image/webp;base64,UklGRg=="]}})
    response = signed_in.post(_log_url(case), body, content_type="application/json", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "case.notes[1]"


def test_it_refuses_a_media_body_in_json_to_json_clients(signed_in, case):
    response = signed_in.post(
        _log_url(case), SIGNATURES["GIF image"], content_type="text/plain", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 415
    assert response.json()["message"] == MEDIA_REFUSED.format(kind="a GIF image")


def test_it_refuses_a_request_larger_than_the_limit_without_reading_it(signed_in, case):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = b"text=" + b"a" * limit
    response = signed_in.post(_log_url(case), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert TOO_LARGE.format(limit=limit // 1024) in response.content.decode()


def test_it_refuses_before_sign_in_too(client):
    """The guard runs before authentication, so even the public sign-in page takes no files."""
    response = _urlencoded_post(
        client, reverse("login"), {"username": b"data:image/png;base64,iVBOR", "password": b"x"}
    )
    assert response.status_code == 400
    assert "the field “username” contains a data: URI" in response.content.decode()


def test_sign_in_still_works_through_the_guard(client, officer):
    response = _urlencoded_post(
        client, reverse("login"), {"username": b"dc.hughes", "password": b"correct horse battery staple"}
    )
    assert response.status_code == 302
    # The password step passed; the second step (the two-factor code) comes next.
    assert response["Location"].startswith(reverse("two_factor"))
    assert client.get(response["Location"]).status_code == 302  # no app yet: on to setting one up


# The shape of the code: nowhere to put a file.


def test_no_model_has_a_file_or_image_field():
    offenders = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)  # ImageField is a FileField
    ]
    assert offenders == []


def test_no_template_has_a_file_input_or_a_multipart_form():
    file_input = re.compile(r"""<input[^>]*type\s*=\s*["']?file""", re.IGNORECASE)
    multipart = re.compile(r"""enctype\s*=\s*["']?multipart""", re.IGNORECASE)
    offenders = []
    for directory in _template_dirs():
        for path in directory.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            if file_input.search(text) or multipart.search(text):
                offenders.append(str(path))
    assert offenders == []


def test_no_form_has_a_file_field():
    from django import forms

    offenders = []
    for module_path in Path(settings.BASE_DIR).glob("*/forms*.py"):
        offenders += _file_fields_in(module_path, forms)
    for module_path in Path(settings.BASE_DIR).glob("*/forms/*.py"):
        offenders += _file_fields_in(module_path, forms)
    assert offenders == []


def _file_fields_in(path, forms):
    text = path.read_text(encoding="utf-8")
    return [f"{path}: {name}" for name in ("FileField", "ImageField", "FileInput") if name in text]


def _template_dirs():
    base = Path(settings.BASE_DIR)
    return [base / "templates", *[p for p in base.glob("*/templates") if ".venv" not in p.parts]]


def _urlencoded_post(client, url, fields, **extra):
    body = "&".join(f"{name}={quote_from_bytes(value)}" for name, value in fields.items())
    return client.post(url, body, content_type="application/x-www-form-urlencoded", **extra)


def _multipart(fields, file=None):
    boundary = "----safeguardtestboundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    if file:
        name, filename, data = file
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
