"""A QR code as inline SVG (the ``qrcode`` package's path image: no PIL at run time), for the
printable notice: a reader's phone opens the page's verification of the list on the sheet."""

from __future__ import annotations

import qrcode  # type: ignore[import-untyped]  # no stubs; typed at this module's edge
import qrcode.constants  # type: ignore[import-untyped]
from qrcode.image.svg import SvgPathImage  # type: ignore[import-untyped]

MODULE_MM = 1  # one module is 1 mm on paper: a 45-module code is 4.5 cm wide with its margin


def qr_svg(text: str) -> str:
    """``text`` as an SVG element (error correction M, a quiet zone of 4 modules), sized in
    millimetres so that it prints the same on every printer."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=4,
        image_factory=SvgPathImage,
    )
    code.add_data(text)
    code.make(fit=True)
    svg: str = code.make_image().to_string(encoding="unicode")
    return svg
