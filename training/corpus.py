#!/usr/bin/env python3
"""Korean text for the recogniser's training lines and for the syllable language model.

Jikji may fetch nothing but registry packages, so the corpus comes from two pinned Debian packages:

* `libreoffice-help-ko` (MPL-2.0): LibreOffice's help pages in Korean, ~20,000 distinct lines of running
  prose (sentences, menu paths, headings).
* `hunspell-ko` (MPL-1.1/GPL-2/LGPL-2.1): the Korean spelling dictionary, ~100,000 words (stems only; the
  affix classes after `/` are dropped). It brings the vocabulary the help pages lack: places, foods, trades.

Each package is fetched with `apt-get download` at the pinned version and checked against its sha256 before
anything is read from it; a different version or checksum is an error, not a silent change of corpus.

Output: one line of text per line, NFC, whitespace runs collapsed, only lines with Hangul; the help lines
first (deduplicated, in file order), then the dictionary words.

Usage: python3 training/corpus.py --out corpus.txt [--cache DIR]
"""
import argparse
import glob
import hashlib
import html
import os
import re
import subprocess
import sys
import tempfile
import unicodedata

# (package, version, sha256 of the .deb) — the versions in Debian 12 (bookworm) on 2026-12-04.
PACKAGES = {
    "libreoffice-help-ko": (
        "4:7.4.7-1+deb12u14",
        "7ef2d854e9ed58e6bf861cfa9fa2579555233f9df874baf327fcb07ccd190669",
    ),
    "hunspell-ko": (
        "0.7.92-1",
        "d02674324f1b320f069d93336578f01df4ab6cff23d0878867ccdc80eb6307f2",
    ),
}

# A help line is kept when it has at least this many Hangul syllables: shorter ones are mostly
# button labels and file names already covered by the dictionary.
MIN_HANGUL = 4


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(package, cache):
    """The unpacked package's root directory (downloaded and checked once, kept in `cache`)."""
    version, want = PACKAGES[package]
    root = os.path.join(cache, f"{package}_{version.replace(':', '_')}")
    if os.path.isdir(root):
        return root
    os.makedirs(cache, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        got = subprocess.run(
            ["apt-get", "download", f"{package}={version}"], cwd=tmp, capture_output=True, text=True
        )
        if got.returncode != 0:  # (its warning that root downloads unsandboxed is not shown otherwise)
            sys.exit(f"corpus: apt-get download {package}={version} failed:\n{got.stderr}")
        (deb,) = glob.glob(os.path.join(tmp, "*.deb"))
        got = sha256(deb)
        if got != want:
            sys.exit(f"corpus: sha256 mismatch for {package} {version}: expected {want}, got {got}")
        unpacked = os.path.join(tmp, "root")
        subprocess.run(["dpkg-deb", "-x", deb, unpacked], check=True)
        os.rename(unpacked, root)
    return root


def has_hangul(s, n=1):
    return sum("\uac00" <= c <= "\ud7a3" for c in s) >= n


def clean(s):
    return " ".join(unicodedata.normalize("NFC", s).split())


def help_lines(root):
    pages = sorted(glob.glob(os.path.join(root, "usr/share/libreoffice/help/ko/text/**/*.html"), recursive=True))
    seen = set()
    for page in pages:
        with open(page, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"(?s)<(script|style)[^>]*>.*?</\1>", " ", text)
        text = html.unescape(re.sub(r"<[^>]+>", "\n", text))
        for line in text.split("\n"):
            line = clean(line)
            if has_hangul(line, MIN_HANGUL) and line not in seen:
                seen.add(line)
                yield line


def dictionary_words(root):
    with open(os.path.join(root, "usr/share/hunspell/ko.dic"), encoding="utf-8") as f:
        next(f)  # the first line is the word count
        for line in f:
            word = clean(line.split("/", 1)[0])
            if has_hangul(word):
                yield word


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/jikji/corpus"))
    a = ap.parse_args()
    lines = list(help_lines(fetch("libreoffice-help-ko", a.cache)))
    words = list(dictionary_words(fetch("hunspell-ko", a.cache)))
    with open(a.out, "w", encoding="utf-8") as f:
        for s in lines + words:
            f.write(s + "\n")
    print(f"corpus: {len(lines)} help lines, {len(words)} dictionary words -> {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
