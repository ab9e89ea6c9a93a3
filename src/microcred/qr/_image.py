"""QR images: render a payload to PNG/SVG (qrcode), read payloads back from photos (zxing-cpp)."""

from __future__ import annotations

import io
import warnings
import xml.etree.ElementTree as ET

import qrcode
import qrcode.constants
import qrcode.image.pil
import qrcode.image.svg
import qrcode.util
import zxingcpp
from PIL import Image, UnidentifiedImageError

from microcred.errors import InputError

ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
"""M (15 %): the example course needs version 19 at M (93 modules, 0.43 mm each at 4 cm);
Q would need version 24 (0.35 mm), which costs more scans than the extra redundancy saves.
See docs/qr-and-pdf.md."""
QUIET_ZONE_MODULES = 4
PRINT_WIDTH_MM = 40  # the symbol (without its quiet zone) on paper
_SVG_NAMESPACE = "http://www.w3.org/2000/svg"
MAX_IMAGE_BYTES = 20_000_000
MAX_IMAGE_PIXELS = 40_000_000  # a 48 MP phone photo would be refused: scale it first


def qr_code(payload: str, *, box_size: int = 10) -> qrcode.QRCode:
    """The QR symbol for ``payload`` in alphanumeric mode, smallest version that fits."""
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECTION, border=QUIET_ZONE_MODULES, box_size=box_size
    )
    code.add_data(qrcode.util.QRData(payload, mode=qrcode.util.MODE_ALPHA_NUM))
    code.make(fit=True)
    return code


def render_qr_png(payload: str, *, box_size: int = 8) -> bytes:
    """A black-on-white 1-bit PNG, ``box_size`` pixels a module."""
    image = qr_code(payload, box_size=box_size).make_image(image_factory=qrcode.image.pil.PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def render_qr_svg(payload: str) -> str:
    """A scalable SVG (one path) whose symbol prints 4 cm wide, plus its quiet zone."""
    code = qr_code(payload)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    ET.register_namespace("", _SVG_NAMESPACE)
    root = ET.fromstring(image.to_string(encoding="unicode"))
    modules = code.modules_count
    size = f"{PRINT_WIDTH_MM * (modules + 2 * QUIET_ZONE_MODULES) / modules:.2f}mm"
    root.set("width", size)
    root.set("height", size)
    return ET.tostring(root, encoding="unicode")


def decode_qr_image(image_bytes: bytes) -> list[str]:
    """The text of every QR code found in a photo or scan (PNG, JPEG, …); may be empty."""
    if len(image_bytes) > MAX_IMAGE_BYTES:
        raise InputError(f"the image is {len(image_bytes)} bytes, over {MAX_IMAGE_BYTES}")
    image = _open_image(image_bytes)
    results = zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    return [result.text for result in results if result.valid]


def _open_image(image_bytes: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow warns on "decompression bomb" sizes; we refuse them ourselves below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(image_bytes))
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise InputError(
                    f"the image is {width}×{height} pixels, over {MAX_IMAGE_PIXELS} pixels"
                )
            return image.convert("L")
    except (
        UnidentifiedImageError,
        OSError,
        Image.DecompressionBombError,
        ValueError,  # e.g. a zTXt/iTXt chunk inflating past Pillow's MAX_TEXT_CHUNK
        SyntaxError,  # Pillow's "not a valid file" for several formats
        EOFError,
    ) as exc:
        raise InputError(f"not a readable image ({exc})") from exc
