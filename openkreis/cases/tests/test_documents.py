"""Documents of a case (services.documents): a new upload is a new version."""

import pytest

from openkreis.cases import services

from .factories import open_demo_case, pdf_bytes

pytestmark = pytest.mark.django_db


def test_new_upload_is_a_new_version_never_an_overwrite(harz):
    case = open_demo_case()
    document = case.documents.get()
    services.attach_document(
        case, ("antrag.pdf", pdf_bytes("zwei")), channel="paper", document=document
    )
    versions = list(document.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].file.name != versions[1].file.name
    assert versions[0].file.storage.exists(versions[0].file.name)
