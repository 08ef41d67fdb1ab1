"""Translation contract: the UI speaks Simplified Chinese by default and English on request; the zh_Hans
catalogue is complete (no untranslated or fuzzy entries, placeholders intact) and its compiled .mo is
up to date with the .po."""
import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
MSGFMT = shutil.which("msgfmt")
needs_msgfmt = pytest.mark.skipif(MSGFMT is None, reason="msgfmt (gettext) is not installed")


def _unquote(line: str) -> str:
    body = line[line.index('"') + 1: line.rindex('"')]
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file as {msgctxt, msgid, msgid_plural, msgstr: [..], flags, obsolete}."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        entry = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": [], "flags": set(), "obsolete": False}
        current = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                if current == "msgstr":
                    entry["msgstr"][-1] += _unquote(line)
                else:
                    entry[current] += _unquote(line)
            else:
                keyword = line.split(" ", 1)[0]
                if keyword.startswith("msgstr"):
                    current = "msgstr"
                    entry["msgstr"].append(_unquote(line))
                else:
                    current = keyword
                    entry[keyword] = _unquote(line)
        if entry["msgid"] is not None:
            entries.append(entry)
    return entries


def _messages(entries):
    return [e for e in entries if e["msgid"] and not e["obsolete"]]


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def test_zh_hans_catalogue_has_no_untranslated_or_fuzzy_entries():
    entries = parse_po(PO)
    header = next(e for e in entries if e["msgid"] == "")
    assert "fuzzy" not in header["flags"], "remove the '#, fuzzy' flag from the catalogue header"
    assert "nplurals=1" in header["msgstr"][0]
    messages = _messages(entries)
    assert len(messages) > 100
    untranslated = [e["msgid"] for e in messages if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert not untranslated, f"untranslated in {PO.relative_to(ROOT)}: {untranslated}"
    assert not fuzzy, f"fuzzy in {PO.relative_to(ROOT)}: {fuzzy}"


def test_zh_hans_translations_keep_their_placeholders():
    broken = []
    for e in _messages(parse_po(PO)):
        wanted = sorted(PLACEHOLDER.findall(e["msgid"]))
        for text in e["msgstr"]:
            if sorted(PLACEHOLDER.findall(text)) != wanted and not (e["msgid_plural"] and set(PLACEHOLDER.findall(text)) <= set(wanted)):
                broken.append((e["msgid"], text))
    assert not broken


def test_zh_hans_uses_the_official_terms():
    translations = {e["msgid"]: e["msgstr"][0] for e in _messages(parse_po(PO))}
    expected = {
        "Village inspection group member": "村联查小组成员",
        "Registered poor household": "建档立卡贫困户",
        "Lifted out of poverty": "已脱贫户",
        "Marginal household at risk": "边缘易致贫户",
        "Household under monitoring": "监测对象",
        "Work queue": "待办事项",
        "Household register": "农户名单",
        "County policy": "县级政策参数",
        "Poverty-alleviation microcredit": "扶贫小额信贷",
    }
    assert {k: translations.get(k) for k in expected} == expected


@needs_msgfmt
def test_zh_hans_catalogue_compiles_cleanly(tmp_path):
    result = subprocess.run([MSGFMT, "--check", "--statistics", "-o", str(tmp_path / "check.mo"), str(PO)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@needs_msgfmt
def test_compiled_mo_matches_the_po(tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run([MSGFMT, "-o", str(fresh), str(PO)], check=True, capture_output=True)
    assert MO.exists(), "run `make messages` (compilemessages) and commit the .mo"
    with MO.open("rb") as committed, fresh.open("rb") as compiled:
        committed_catalog = gettext.GNUTranslations(committed)._catalog
        compiled_catalog = gettext.GNUTranslations(compiled)._catalog
    assert len(committed_catalog) == len(compiled_catalog), "the .mo is stale: run `make messages` and commit the .mo"
    stale = sorted(str(k) for k in compiled_catalog if committed_catalog.get(k) != compiled_catalog[k])
    assert not stale, f"the .mo is stale for {stale[:10]}: run `make messages` and commit the .mo"


@needs_msgfmt
@pytest.mark.skipif(shutil.which("xgettext") is None, reason="xgettext (gettext) is not installed")
def test_every_source_string_is_in_the_catalogue(tmp_path):
    """makemessages over a copy of the sources finds no msgid missing from the committed catalogue."""
    for name in ("apps", "microcredit", "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "microcredit.settings.test", "VAR_DIR": str(tmp_path / "var"),
             "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stderr
    missing = [e["msgid"] for e in _messages(parse_po(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
               if not all(e["msgstr"]) or "fuzzy" in e["flags"]]
    assert not missing, f"strings not yet in the zh_Hans catalogue (run `make messages` and translate): {missing}"


@pytest.mark.django_db
def test_pages_render_in_chinese_by_default(client, county_officer):
    client.force_login(county_officer)
    html = client.get(reverse("households:list")).content.decode()
    assert "农户名单" in html
    assert "待办事项" in html
    assert "Household register" not in html


@pytest.mark.django_db
def test_pages_render_in_english_with_the_language_cookie(client, county_officer):
    client.force_login(county_officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("households:list")).content.decode()
    assert "Household register" in html
    assert "Work queue" in html
    assert "农户名单" not in html


@pytest.mark.django_db
def test_api_errors_follow_the_language(client):
    url = "/api/v1/me/"
    assert client.get(url).json()["detail"] == "请先登录。"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get(url).json()["detail"] == "Please log in first."
