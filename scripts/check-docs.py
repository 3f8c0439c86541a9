#!/usr/bin/env python3
"""Checks the docs as mdBook would build them, without mdBook (Debian 12 has no package):
every page under docs/ is listed in docs/SUMMARY.md, every page SUMMARY.md lists exists, and every
relative link in README.md and docs/ (a file, and a #heading in it) resolves. Exits 1 on the
first run that finds anything, listing all of it."""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE = re.compile(r"```.*?```", re.S)
INLINE = re.compile(r"`[^`\n]*`")


def slug(heading: str) -> str:
    """The anchor mdBook and GitHub give a heading: lower case, punctuation gone, spaces to -."""
    text = INLINE.sub(lambda m: m.group(0)[1:-1], heading).strip().lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return "".join(c if c.isalnum() or c in "-_" else "-" if c == " " else "" for c in text)


def anchors(path: Path) -> set[str]:
    found, seen = set(), {}
    for line in CODE.sub("", path.read_text()).splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            s = slug(m.group(1))
            n = seen.get(s, 0)
            seen[s] = n + 1
            found.add(s if n == 0 else f"{s}-{n}")
    return found


def main() -> int:
    problems = []
    summary = DOCS / "SUMMARY.md"
    listed = set()
    for target in LINK.findall(summary.read_text()):
        page = (DOCS / target).resolve()
        listed.add(page)
        if not page.is_file():
            problems.append(f"docs/SUMMARY.md lists {target}, which does not exist")
    for page in sorted(DOCS.rglob("*.md")):
        if page != summary and page.resolve() not in listed:
            problems.append(f"{page.relative_to(ROOT)} is not listed in docs/SUMMARY.md")
    for page in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        text = INLINE.sub("", CODE.sub("", page.read_text()))
        for target in LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue  # http(s), mailto: not checked offline
            file, _, anchor = target.partition("#")
            dest = (page.parent / file).resolve() if file else page
            where = f"{page.relative_to(ROOT)}: {target}"
            if not dest.exists():
                problems.append(f"{where}: no such file")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                problems.append(f"{where}: no heading #{anchor} in {dest.relative_to(ROOT)}")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"docs: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
