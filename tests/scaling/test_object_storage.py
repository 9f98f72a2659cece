"""Documents in object storage (issue 26, docs/scaling.md "Documents in object storage"):
with the S3 settings, a case document is stored in an S3-compatible server, read back through
the desk's download and deleted with its case at the end of retention.

The server is moto's (`moto[server]`, a test dependency), started by this module on a free
port on 127.0.0.1 and spoken to over HTTP by boto3, as a MinIO or a cloud store would be."""

import datetime as dt
import hashlib
import socket

import boto3
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.test import override_settings

from openkreis.cases import services
from openkreis.cases.models import Case, DocumentVersion
from openkreis.cases.tests.factories import open_demo_case, pdf_bytes
from openkreis.core.testing import login_staff, make_staff
from openkreis.settings.base import object_storage

pytestmark = pytest.mark.django_db
BUCKET = "openkreis-dokumente"
KEYS = {"access_key": "openkreis-test", "secret_key": "openkreis-test-secret"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_server, tmp_path):
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="eu-central-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    storage = object_storage(BUCKET, endpoint_url=s3_server, region_name="eu-central-1", **KEYS)
    media = tmp_path / "media"  # an empty local media folder: nothing may land there
    with override_settings(STORAGES={**settings.STORAGES, "default": storage}, MEDIA_ROOT=media):
        yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_a_case_document_is_stored_read_back_and_deleted_with_its_case(bucket, client):
    assert default_storage.__class__.__name__ == "S3Storage"
    content = pdf_bytes("Antrag auf Ersterteilung")
    case = open_demo_case(documents=[("antrag.pdf", content)])
    version = DocumentVersion.objects.get(document__case=case)

    # stored: one object under the case's folder, named by the content's hash
    assert keys(bucket) == {version.file.name}
    assert version.file.name.startswith(f"cases/{case.pk}/")
    stored = bucket.get_object(Bucket=BUCKET, Key=version.file.name)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == version.sha256
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*"))

    # read back through the storage and through the desk's download
    with version.file.open("rb") as fh:
        assert fh.read() == stored
    user, secret = make_staff("s3-desk", "fahrerlaubnisbehoerde", "caseworker")
    login_staff(client, user, secret)
    response = client.get(f"/sachbearbeitung/dokument/{version.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored
    # a link to the object is signed and expires (the bucket is private)
    url = default_storage.url(version.file.name)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url

    # retention: the case is deleted after its period, and its object with it
    Case.objects.filter(pk=case.pk).update(
        state_kind="done", retain_until=dt.date.today() - dt.timedelta(days=1)
    )
    assert case.file_number in services.delete_expired(dry_run=False)
    assert keys(bucket) == set()
    assert not Case.objects.filter(pk=case.pk).exists()
