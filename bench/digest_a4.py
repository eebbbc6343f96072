"""Print the demo digest's HTML to PDF in headless Chromium and check it is A4, one or two pages.

Not part of the tests or CI (it needs Chromium: `apt-get install -y chromium`). It builds the demo
(`flipbot demo`, in a temporary folder, its own database), prints out/digest.html with Chromium's
print engine, reads the page count and size from the PDF (pdfinfo from poppler-utils when present,
else the PDF's own /MediaBox and /Count), takes Chromium's PNG screenshot of an A4-sized window
(screen styles) and, with pdftoppm, a PNG of the first printed page (print styles) for docs/.

Run: python bench/digest_a4.py [--html FILE] [--png docs/digest-a4.png]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
A4_POINTS = (595.28, 841.89)  # 210 x 297 mm in PostScript points
TOLERANCE = 1.5  # Chromium rounds the page size to whole points
# A4 at 96 CSS pixels per inch: the screenshot shows the first page as it prints.
WINDOW = (794, 1123)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("no Chromium: apt-get install -y chromium")


def demo_html(folder: Path) -> Path:
    """Build the demo in `folder` and return its digest.html."""
    code = "from bot.cli.main import main; main()"
    subprocess.run(
        [sys.executable, "-c", code, "demo", "--db", str(folder / "demo.db")],
        cwd=folder,
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return folder / "out" / "digest.html"


def run_chromium(args: list[str], profile: Path) -> None:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def pdf_pages(pdf: Path) -> tuple[int, list[tuple[float, float]]]:
    """Number of pages and each page's size in points."""
    if shutil.which("pdfinfo"):
        out = subprocess.run(
            ["pdfinfo", "-f", "1", "-l", "99", str(pdf)], capture_output=True, text=True
        ).stdout
        pages = int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
        sizes = [
            (float(w), float(h))
            for w, h in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", out, re.M)
        ]
        return pages, sizes
    data = pdf.read_bytes().decode("latin-1")
    boxes = re.findall(r"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    pages = max(int(n) for n in re.findall(r"/Type\s*/Pages.*?/Count (\d+)", data, re.S))
    return pages, [(float(w), float(h)) for w, h in boxes]


def check(pdf: Path) -> list[str]:
    pages, sizes = pdf_pages(pdf)
    problems = []
    if not 1 <= pages <= 2:
        problems.append(f"{pages} pages (one or two wanted)")
    for number, (w, h) in enumerate(sizes, 1):
        if abs(w - A4_POINTS[0]) > TOLERANCE or abs(h - A4_POINTS[1]) > TOLERANCE:
            problems.append(f"page {number} is {w} x {h} pt, not A4 (595 x 842)")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, help="digest HTML to print (default: the demo's)")
    parser.add_argument("--pdf", type=Path, help="keep the PDF here")
    parser.add_argument("--png", type=Path, default=ROOT / "docs" / "digest-a4.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        html = args.html.resolve() if args.html else demo_html(folder)
        pdf = args.pdf.resolve() if args.pdf else folder / "digest.pdf"
        run_chromium(
            ["--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri()], folder / "p1"
        )
        png = args.png.resolve()
        png.parent.mkdir(parents=True, exist_ok=True)
        run_chromium(
            [
                "--hide-scrollbars",
                f"--window-size={WINDOW[0]},{WINDOW[1]}",
                f"--screenshot={png}",
                html.as_uri(),
            ],
            folder / "p2",
        )
        if shutil.which("pdftoppm"):  # the first printed page, as the PDF has it
            printed = png.with_name(png.stem + "-print")
            subprocess.run(
                ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf)]
                + [str(printed)],
                check=True,
            )
            print(f"printed page 1: {printed}.png")
        pages, sizes = pdf_pages(pdf)
        problems = check(pdf)
        print(f"{html.name}: {pages} page(s), {sizes[0][0]} x {sizes[0][1]} pt; {png}")
        print(f"screenshot: {png.stat().st_size // 1024} kB")
        for problem in problems:
            print(f"NOT OK: {problem}")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
