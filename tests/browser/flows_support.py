"""Helpers for the end-to-end browser flows (the review chain, the inspection and its rectification), on top of
.support: several users taking turns on one tablet, form posts that navigate, flash messages, a generated photo."""
import struct
import zlib

from .support import login


def sign_in(page, user, next_url: str = "/"):
    """The previous user leaves (cookies cleared) and `user` logs in through the real login form, landing on `next_url`."""
    page.context.clear_cookies()
    login(page, user, next_url=next_url)
    assert "/accounts/login/" not in page.url, f"{user.username} could not log in: {page.url}"
    whoami = page.locator("[data-testid=whoami]").text_content()
    assert user.display_name in whoami, whoami
    return page


def press(page, target):
    """Click a button or link (a locator or a selector) and wait for the page it leads to (POST → redirect → GET)."""
    locator = page.locator(target) if isinstance(target, str) else target
    with page.expect_navigation():
        locator.click()
    return page


def flash(page) -> str:
    """The Django messages shown at the top of the page."""
    return " ".join(t.strip() for t in page.locator(".alert[role=alert]").all_inner_texts())


def text(page, selector: str) -> str:
    return " ".join(page.locator(selector).first.inner_text().split())


def png(width: int = 320, height: int = 240) -> bytes:
    """A small RGB PNG (green field, brown block, blue sky) built with zlib and struct only: no Pillow needed."""
    def pixel(x, y):
        if y < height // 3:
            return b"\x87\xce\xeb"
        if width // 4 <= x < width // 2 and height // 2 <= y < height * 5 // 6:
            return b"\x8b\x45\x13"
        return b"\x3c\x8c\x32"

    raw = b"".join(b"\x00" + b"".join(pixel(x, y) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
