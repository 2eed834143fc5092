"""Reading PDFs the way a person would (poppler's pdffonts/pdftotext), and API tokens."""

import subprocess
import tempfile

from app.auth.services import create_token
from app.extensions import db
from tests.factories import WORKDAY_MORNING


def pdf_fonts(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(pdf)
        tmp.flush()
        return subprocess.run(["pdffonts", tmp.name], check=True, capture_output=True, text=True).stdout


def pdf_text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(pdf)
        tmp.flush()
        return subprocess.run(["pdftotext", "-layout", tmp.name, "-"], check=True, capture_output=True,
                              text=True).stdout


def embedded_japanese_font(fonts: str) -> bool:
    """pdffonts lists an embedded (emb = yes) IPA or Noto CJK font."""
    for line in fonts.splitlines()[2:]:
        cols = line.split()
        if any(name in line for name in ("IPAGothic", "IPAPGothic", "NotoSansCJK")) and "yes" in cols[-5:-2]:
            return True
    return False


def bearer(user) -> dict:
    token = create_token(user, WORKDAY_MORNING)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}
