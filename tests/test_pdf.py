"""The A4 certificate: attachments byte for byte, Georgian text, and issue → PDF → scan → verify."""

from __future__ import annotations

import io
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from PIL import Image
from pypdf import PdfReader

from microcred._cli_context import AppContext
from microcred._cli_pdf import pdf as pdf_command
from microcred.cli import main
from microcred.elm_models.elm import award_to_elm
from microcred.elm_models.readers import read_spec
from microcred.elm_models.record import Award, IssuerProfile, Learner, multilingual
from microcred.errors import InputError
from microcred.issuer import Issuer, load_issuer
from microcred.keys import DidResolver
from microcred.qr import decode_qr_image, make_qr_payload, verify_qr_payload
from microcred.render._layout import CertificatePage, fit_learner_name
from microcred.render.facts import read_facts
from microcred.render.pdf import extract_pdf_credentials, render_certificate_pdf

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-research-skills"
PASSPHRASE = "pdf test passphrase"

GEORGIAN_TITLE = "ხელოვნური ინტელექტის გამოყენება"


def _run(home: Path, *args: str) -> Result:
    env = {"MICROCRED_HOME": str(home), "MICROCRED_KEY_PASSPHRASE": PASSPHRASE}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def issue_example(home: Path, out: Path) -> None:
    """Two anchored learners of the example course (as tests/test_qr.py does)."""
    learners = out.parent / "learners.csv"
    rows = (EXAMPLE / "learners.csv").read_text("utf-8").splitlines()[:3]
    learners.write_text("\n".join(rows) + "\n", "utf-8")
    steps = [
        ["init", "--name", "Example State University", "--name", "ka=სანიმუშო სახელმწიფო "
         "უნივერსიტეტი", "--country", "GE", "--legal-id", "204000000"],
        ["chain", "deploy"],
        ["registry", "add-authority"],
        ["registry", "accredit", "--eqf", "7"],
        ["issue", "--spec", str(EXAMPLE / "microcredential.yaml"), "--learners", str(learners),
         "--out", str(out)],
    ]  # fmt: skip
    for step in steps:
        result = _run(home, *step)
        assert result.exit_code == 0, (step, result.output)


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Issuer]:
    home = tmp_path_factory.mktemp("home")
    out = tmp_path_factory.mktemp("out") / "cohort"
    issue_example(home, out)
    return home, out, load_issuer(home, PASSPHRASE)


def _files(out: Path, learner: str = "S2025-0001") -> list[tuple[str, bytes]]:
    paths = [out / "elm" / f"{learner}.jsonld", out / "ob3" / f"{learner}.json"]
    return [(path.name, path.read_bytes()) for path in paths]


@pytest.fixture(scope="module")
def certificate(issued: tuple[Path, Path, Issuer]) -> bytes:
    _, out, issuer = issued
    files = _files(out)
    payload = make_qr_payload(json.loads(files[0][1]), issuer)
    return render_certificate_pdf(files, qr_payload=payload)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_signed_credentials_are_attached_byte_for_byte(
    certificate: bytes, issued: tuple[Path, Path, Issuer]
) -> None:
    assert certificate.startswith(b"%PDF-")
    assert extract_pdf_credentials(certificate) == sorted(_files(issued[1]))


def test_georgian_and_english_are_in_the_text_layer(certificate: bytes) -> None:
    text = _text(certificate)
    assert GEORGIAN_TITLE in text
    assert "AI for Enhancing Research Skills in Higher Education" in text
    assert "თბილისის სანიმუშო უნივერსიტეტი" in text  # the awarding body, in Georgian
    assert "აღწერს ხელოვნური ინტელექტის ძირითად ინსტრუმენტებს" in text  # an outcome


def test_every_annex_i_element_is_shown(certificate: bytes) -> None:
    text = " ".join(_text(certificate).split())
    for shown in (
        "Nino Beridze",  # 1 learner
        "S2025-0001",
        "AWARDING BODY",  # 4
        "Tbilisi, GE",  # 3 country / region
        "DATE OF ISSUE",  # 5
        "Learning outcomes",  # 6
        "7 ECTS credits, 175 hours of learning",  # 7
        "EQF level 7",  # 8
        "Written exam, Project work, Quiz, Continuous evaluation",  # 9
        "FORM OF PARTICIPATION Online",  # 10
        "Programme licence",  # 11 quality assurance
        "Example State University",  # the issuer
        "Prerequisites",
        "B (87)",
    ):
        assert shown in text, shown


def _page_image(pdf: bytes, tmp_path: Path, dpi: int) -> bytes:
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(source),
         str(tmp_path / "page")],
        check=True,
        timeout=60,
    )  # fmt: skip
    return (tmp_path / "page.png").read_bytes()


def test_issue_pdf_page_image_qr_verified(certificate: bytes, tmp_path: Path) -> None:
    # 150 dpi: a modest office scan of the printed page (the symbol is 4 cm wide).
    decoded = decode_qr_image(_page_image(certificate, tmp_path, 150))
    assert len(decoded) == 1
    attached = dict(extract_pdf_credentials(certificate))
    credential = json.loads(attached["S2025-0001.jsonld"])
    result = verify_qr_payload(decoded[0], DidResolver(), credential=credential)
    assert result.valid, result.reason
    assert result.claims is not None and result.claims.learner_name == "Nino Beridze"


def test_the_same_credentials_give_the_same_pdf(issued: tuple[Path, Path, Issuer]) -> None:
    _, out, issuer = issued
    files = _files(out, "S2025-0002")
    payload = make_qr_payload(json.loads(files[0][1]), issuer)
    first = render_certificate_pdf(files, qr_payload=payload)
    assert render_certificate_pdf(files, qr_payload=payload) == first


def test_credentials_of_different_learners_are_refused(
    issued: tuple[Path, Path, Issuer], certificate: bytes
) -> None:
    out = issued[1]
    mixed = [_files(out)[0], _files(out, "S2025-0002")[1]]
    with pytest.raises(InputError, match="different learners"):
        render_certificate_pdf(mixed, qr_payload="MC1:")
    with pytest.raises(InputError, match="JSON credential"):
        render_certificate_pdf([("x.jwt", b"eyJ.eyJ.sig")], qr_payload="MC1:")


def test_extract_refuses_bad_or_oversized_input(certificate: bytes) -> None:
    with pytest.raises(InputError, match="not a readable PDF"):
        extract_pdf_credentials(b"not a pdf at all")
    with pytest.raises(InputError, match="over the limit"):
        extract_pdf_credentials(certificate, max_bytes=1000)
    with pytest.raises(InputError, match="attachment"):
        extract_pdf_credentials(certificate, max_attachment_bytes=1000)


def test_cli_writes_the_certificate(issued: tuple[Path, Path, Issuer], tmp_path: Path) -> None:
    home, out, _ = issued
    target = tmp_path / "certificate.pdf"
    result = CliRunner().invoke(
        pdf_command,
        [str(out / "elm/S2025-0002.jsonld"), "--out", str(target)],
        obj=AppContext(home=home),
        env={"MICROCRED_KEY_PASSPHRASE": PASSPHRASE},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    attached = extract_pdf_credentials(target.read_bytes())
    assert attached == [("S2025-0002.jsonld", (out / "elm/S2025-0002.jsonld").read_bytes())]


# --- long names stay on the page ------------------------------------------------------------

LONG_LATIN = ("Maximiliana Konstantinopoulou-Vandenberghe " * 5).strip()[:200]
LONG_GEORGIAN = ("ანასტასია ჯავახიშვილი-ორბელიანი " * 7).strip()[:200]
ONE_WORD = "Wolfeschlegelsteinhausenbergerdorff" * 5  # no space to break at


def _unsigned_elm(given: str, family: str) -> bytes:
    spec = read_spec(EXAMPLE / "microcredential.yaml")
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    issuer = IssuerProfile(
        did=did,
        verification_method=f"{did}#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        name=multilingual({"en": "Example State University"}),
        country="GE",
        legal_identifier="204000000",
    )
    award = Award(
        spec=spec,
        learner=Learner(row=1, learner_id="S1", given_name=given, family_name=family),
        issuer=issuer,
        record_id=f"{spec.id}/learners/S1",
        elm_id="urn:uuid:00000000-0000-4000-8000-000000000001",
        ob3_id="urn:uuid:00000000-0000-4000-8000-000000000002",
        issued=datetime(2026, 7, 1, tzinfo=UTC),
    )
    return json.dumps(award_to_elm(award), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("Nino", "Beridze"),
        (LONG_LATIN[:100], LONG_LATIN[100:]),
        (LONG_GEORGIAN[:100], LONG_GEORGIAN[100:]),
        (ONE_WORD, ONE_WORD[:20]),
    ],
)
def test_the_learner_name_never_leaves_the_page(given: str, family: str) -> None:
    facts = read_facts(json.loads(_unsigned_elm(given, family)))
    page = CertificatePage(facts)
    size, lines = fit_learner_name(page, facts.learner_name)
    page.close_fonts()
    text_width = page.w - 2 * page.l_margin
    assert size >= 9 and len(lines) * size * 0.5 <= 22  # leaves room for the QR on page 1
    assert "".join(lines).replace(" ", "") == facts.learner_name.replace(" ", "")
    for line in lines:
        page.set_font("DejaVu", "B", size)
        assert page.get_string_width(line) <= text_width + 0.01, (size, line)
    if len(facts.learner_name) <= 20:
        assert (size, lines) == (22.0, [facts.learner_name])  # short names are not shrunk


def test_a_long_georgian_name_renders_inside_the_page(tmp_path: Path) -> None:
    """The page as a person sees it: no ink in the side margins, the QR code on page 1."""
    document = _unsigned_elm(LONG_GEORGIAN[:100], LONG_GEORGIAN[100:])
    pdf_bytes = render_certificate_pdf([("elm.jsonld", document)], qr_payload="MC1:TEST")
    page = _page_image(pdf_bytes, tmp_path, 150)
    assert decode_qr_image(page) == ["MC1:TEST"]
    image = Image.open(io.BytesIO(page)).convert("L")
    edge = round(image.width * 6 / 210)  # 6 mm of the 18 mm margin, on each side
    for x_range in (range(edge), range(image.width - edge, image.width)):
        darkest = min(image.getpixel((x, y)) for x in x_range for y in range(image.height))
        assert isinstance(darkest, int) and darkest > 200  # nothing printed there
