"""Digest scale: build time and peak memory for 1,000 / 10,000 / 100,000 answers, and how well
the grouping recovers the labelled stances of the 40 demo answers (adjusted Rand index).

Each size runs in a fresh process, so its peak resident memory (VmHWM) is its own. Answers are
generated from the bundled Danish sample answers: sentences of answers with the same stance are
mixed and reordered, and Danish compounds built from common parts are sprinkled in, so the
vocabulary keeps growing with the number of answers as it does in real text.

End to end: `flipbot digest --input FILE` on a CSV of 300 answers, run RUNS times in fresh
processes (as hyperfine would; the lemma cache of bot/digest/lemmas.py is built by a first,
unreported run), and the modules that take longest to import (`python -X importtime`). With
BENCH_BEFORE=/path/to/an/older/checkout the same command runs there too, for the figures before.

Run: python -m bench digest   (writes the "## Digest" section of docs/benchmarks.md)
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

SIZES = (300, 1_000, 10_000, 100_000)
END_TO_END = 300
# `flipbot` run from a checkout (its own bot package, as the installed script would import it).
FLIPBOT = "from bot.cli.main import main; main()"
RUNS = 7
REPEAT = 3  # the machine is shared: report the best and the median of three builds
DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
MUNICIPALITIES = ("silkeborg", "herning", "holstebro", "vesthimmerland", "viborg", "skive", "ikast")
PARTS = [
    "borger",
    "job",
    "virksomhed",
    "leder",
    "plan",
    "samtale",
    "forløb",
    "team",
    "indsats",
    "sag",
    "ydelse",
    "praktik",
    "mentor",
    "sundhed",
    "misbrug",
    "bolig",
    "uddannelse",
    "netværk",
    "samarbejde",
    "viden",
    "forskning",
    "kontakt",
    "møde",
]
ENDS = [
    "forløb",
    "indsats",
    "samtale",
    "møde",
    "plan",
    "team",
    "arbejde",
    "rådgiver",
    "model",
    "praksis",
    "kultur",
]


def generate(n: int, seed: int = 7) -> list:
    """n answers of realistic length, varied from the sample answers."""
    from bot.demo import sample_answers
    from bot.digest.model import Answer
    from bot.digest.text import sentences

    rng = random.Random(seed)
    samples = sample_answers()
    by_stance: dict[str, list[str]] = {}
    for sample in samples:
        text = " ".join(v for v in sample["answers"].values() if v)
        by_stance.setdefault(sample["stance"], []).extend(text[a:b] for a, b in sentences(text))
    stances = sorted(by_stance)
    answers = []
    for i in range(n):
        pool = by_stance[stances[i % len(stances)]]
        picked = rng.sample(pool, k=min(len(pool), rng.randint(2, 6)))
        compound = rng.choice(PARTS) + rng.choice(ENDS)
        picked.insert(
            rng.randrange(len(picked) + 1), f"Vi har et {compound} {i % 997}, der hjælper."
        )
        answers.append(
            Answer(
                id=str(i),
                municipality=MUNICIPALITIES[rng.randrange(len(MUNICIPALITIES))],
                texts={"q1": " ".join(picked)},
                quotable=rng.random() > 0.1,
                member=f"U{i:08d}",
            )
        )
    return answers


def _status(field: str) -> int:
    """A VmRSS/VmHWM figure of this process in MB."""
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+)", text).group(1)) // 1024


def measure(n: int) -> dict:
    """Build one digest of n answers in this process; time and peak memory."""
    from bot.digest.extractive import build_digest

    answers = generate(n)
    chars = sum(len(a.text) for a in answers) / n
    before = _status("VmRSS")
    times, cpu = [], []
    for _ in range(REPEAT):
        start, used = time.perf_counter(), time.process_time()
        digest = build_digest(answers, title="bench", created_at=datetime.now(UTC))
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
    times.sort()
    cpu.sort()
    return {
        "cpu": round(cpu[len(cpu) // 2], 3),
        "n": n,
        "seconds": round(times[0], 3),
        "median": round(times[len(times) // 2], 3),
        "load": round(os.getloadavg()[0], 2),
        "rss_before_mb": before,
        "peak_mb": _status("VmHWM"),
        "mean_chars": round(chars),
        "themes": len(digest.themes),
    }


def grouping_quality() -> list[tuple[str, float]]:
    """ARI against the labelled stances for our pipeline and the alternatives we tried."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score

    from bot.demo import sample_answers
    from bot.digest.text import content_words
    from bot.digest.themes import group_answers, theme_count

    samples = sample_answers()
    labels = [s["stance"] for s in samples]
    texts = ["\n\n".join(v for v in s["answers"].values() if v) for s in samples]
    k = len(set(labels))
    results = [
        (
            f"stems (min_df 2), NMF, k chosen by flipbot ({theme_count(len(texts))}) [flipbot]",
            adjusted_rand_score(labels, group_answers(texts).theme_of),
        ),
        (
            "stems (min_df 2), NMF, k=3 given",
            adjusted_rand_score(labels, group_answers(texts, k).theme_of),
        ),
    ]
    warnings.simplefilter("ignore")
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 6), sublinear_tf=True)
    x = char.fit_transform(texts)
    nmf = NMF(k, init="nndsvda", random_state=0, max_iter=500).fit_transform(x).argmax(1)
    results.append(("char 4-6-grams (char_wb), NMF, k=3", adjusted_rand_score(labels, nmf)))
    from bot.digest.features import analyze

    def with_bigrams(text):
        stems = analyze(text)
        return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False)]

    x = TfidfVectorizer(analyzer=with_bigrams, sublinear_tf=True).fit_transform(texts)
    nmf = NMF(k, init="nndsvda", random_state=0, max_iter=500).fit_transform(x).argmax(1)
    results.append(
        ("stems + stem bigrams, NMF, k=3 (our first choice)", adjusted_rand_score(labels, nmf))
    )
    char_sw = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(4, 6),
        sublinear_tf=True,
        preprocessor=lambda t: " ".join(content_words(t)),
    )
    x = char_sw.fit_transform(texts)
    nmf = NMF(k, init="nndsvda", random_state=0, max_iter=500).fit_transform(x).argmax(1)
    results.append(("char 4-6-grams of content words, NMF, k=3", adjusted_rand_score(labels, nmf)))
    words = TfidfVectorizer().fit_transform(texts)
    km = KMeans(k, n_init=10, random_state=0).fit_predict(words)
    results.append(("word TF-IDF, KMeans, k=3", adjusted_rand_score(labels, km)))
    return [(name, round(float(score), 3)) for name, score in results]


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = _status_total()
    return f"{cpu}, {os.cpu_count()} cores, {mem} GB RAM, Python {platform.python_version()}, {platform.system()}"


def _status_total() -> int:
    text = Path("/proc/meminfo").read_text()
    return round(int(re.search(r"MemTotal:\s+(\d+)", text).group(1)) / 1024 / 1024)


def write_csv(path: Path, n: int) -> None:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "municipality", "text", "quotable"])
        for answer in generate(n):
            writer.writerow(
                [answer.id, answer.municipality, answer.text, "ja" if answer.quotable else "nej"]
            )


def end_to_end(checkout: Path, csv_path: Path, runs: int = RUNS) -> dict:
    """Wall time of `flipbot digest --input` in fresh processes: one warm-up, then `runs`."""
    out = csv_path.with_suffix(".md")
    command = [sys.executable, "-c", FLIPBOT, "digest", "--input", str(csv_path)]
    command += ["--out", str(out)]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    first = time.perf_counter()
    subprocess.run(command, cwd=checkout, env=env, check=True, capture_output=True)
    cold = time.perf_counter() - first
    times, cpu = [], []
    for _ in range(runs):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=checkout, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime)
    times.sort()
    cpu.sort()
    return {
        "checkout": str(checkout),
        "first": round(cold, 2),
        "best": round(times[0], 2),
        "median": round(times[len(times) // 2], 2),
        "cpu": round(cpu[len(cpu) // 2], 2),
        "runs": runs,
        "load": round(os.getloadavg()[0], 2),
    }


def slowest_imports(checkout: Path, csv_path: Path, top: int = 8) -> list[tuple[str, float]]:
    """The top-level imports of the digest command by cumulative time (python -X importtime)."""
    command = [sys.executable, "-X", "importtime", "-c", FLIPBOT, "digest"]
    command += ["--input", str(csv_path), "--out", str(csv_path.with_suffix(".md"))]
    done = subprocess.run(command, cwd=checkout, capture_output=True, text=True, check=True)
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if match and len(match.group(2)) <= 2:  # the command's own imports and theirs
            name = match.group(3)
            found[name] = max(found.get(name, 0.0), int(match.group(1)) / 1e6)
    return sorted(found.items(), key=lambda item: -item[1])[:top]


def write_section(rows: list[dict], quality: list[tuple[str, float]], e2e=None) -> None:
    """Replace (or add) the '## Digest' section of docs/benchmarks.md."""
    lines = [
        "## Digest",
        "",
        f"Run `python -m bench digest` on {datetime.now(UTC):%Y-%m-%d} — {machine()}.",
        "",
        "Extractive digest build (`build_digest`, grouping + quotes + dilemmas + questions), answers",
        "generated from the demo answers (see bench/bench_digest.py). Each size in a fresh process;",
        "peak = the process's peak resident memory (VmHWM), including Python and the answers.",
        f"Build time: best and median of {REPEAT} builds (the 2-core machine is shared; load = 1-minute",
        "load average when the size finished).",
        "",
        "CPU: the median build's user + system time (NumPy's BLAS may use both cores).",
        "",
        "| answers | mean length (chars) | best (s) | median (s) | CPU median (s) | peak memory (MB) | RSS before build (MB) | themes | load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['mean_chars']} | {r['seconds']} | {r['median']} | {r.get('cpu', '')} "
            f"| {r['peak_mb']} | {r['rss_before_mb']} | {r['themes']} | {r['load']} |"
        )
    if len(rows) >= 2:
        lines += ["", "Growth (time ratio for 10x the answers; n log n would be about 11.5-13):"]
        for a, b in zip(rows, rows[1:], strict=False):
            lines.append(
                f"- {a['n']:,} -> {b['n']:,}: x{b['seconds'] / max(a['seconds'], 1e-9):.1f}"
            )
    ten = next((r for r in rows if r["n"] == 10_000), None)
    hundred = next((r for r in rows if r["n"] == 100_000), None)
    if ten:
        ok = ten["median"] < 1
        lines += [
            "",
            f"Target 10,000 answers under 1 s of engine time: {'met' if ok else 'NOT met'} "
            f"(median {ten['median']} s, best {ten['seconds']} s, CPU {ten.get('cpu')} s).",
        ]
    if hundred:
        ok = hundred["median"] < 10 and hundred["peak_mb"] < 300
        lines.append(
            f"Target 100,000 answers under 10 s and 300 MB: {'met' if ok else 'NOT met'} "
            f"(median {hundred['median']} s, peak {hundred['peak_mb']} MB)."
        )
    if e2e:
        lines += [
            "",
            f"### End to end: `flipbot digest --input` on {END_TO_END} answers",
            "",
            "Wall time of the whole command in a fresh process (start-up, imports, reading the CSV,",
            "building, checking and writing the digest); best and median of the runs after one",
            "first run (which builds the lemma cache when it is missing).",
            "",
            "CPU = user + system time of the process (median): what the command costs when the",
            "machine is not shared, where wall time also counts waiting for a core.",
            "",
            "| code | first run (s) | best (s) | median (s) | CPU median (s) | runs | load |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for label, r in e2e["runs"]:
            lines.append(
                f"| {label} | {r['first']} | {r['best']} | {r['median']} | {r['cpu']} "
                f"| {r['runs']} | {r['load']} |"
            )
        lines += [
            "",
            "Slowest imports of the command now (cumulative, `python -X importtime`):",
            "",
        ]
        lines += [f"- `{name}`: {seconds:.2f} s" for name, seconds in e2e["imports"]]
    lines += [
        "",
        "### Grouping quality on the labelled demo answers",
        "",
        "The 40 answers in bot/demo/answers.yaml carry a `stance` (3 classes). Adjusted Rand index",
        "of each grouping against those labels (1 = the stances exactly, 0 = chance):",
        "",
        "| features and method | ARI |",
        "|---|---:|",
        *[f"| {name} | {score} |" for name, score in quality],
        "",
        "None of the methods recovers the stances well: the stances differ in position (follow the",
        "citizen's plan, follow the law's deadline, change the organisation), while the answers share",
        "most of their words. The issue's trial figure for character 4-6-grams (ARI 0.78) did not",
        "reproduce here. flipbot uses Danish stems of content words found in at least two answers,",
        "with NMF: it scored best of what we tried (the differences are small on 40 answers), is",
        "several times cheaper than character n-grams, and its terms make readable theme labels.",
        "Themes in a digest are therefore groups of answers that use the same words, not stances;",
        "the digest lists which answers each theme holds, so a reader can check the grouping.",
        "",
    ]
    section = "\n".join(lines)
    if DOC.exists():
        text = DOC.read_text(encoding="utf-8")
    else:
        text = (
            "# Benchmarks\n\nFigures from `python -m bench`; each area keeps its own section.\n\n"
        )
    pattern = re.compile(r"^## Digest\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(measure(int(sys.argv[2]))))
        return
    sizes = [int(s) for s in os.environ.get("BENCH_DIGEST_SIZES", "").split(",") if s] or SIZES
    rows = []
    for n in sizes:
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                f"from bench.bench_digest import measure; import json; print(json.dumps(measure({n})))",
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{row['n']:>7} answers: best {row['seconds']} s, median {row['median']} s, "
            f"peak {row['peak_mb']} MB, {row['themes']} themes, load {row['load']}"
        )
        rows.append(row)
    quality = grouping_quality()
    for name, score in quality:
        print(f"ARI {score:>6}  {name}")
    import tempfile

    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "answers.csv"
        write_csv(csv_path, END_TO_END)
        runs = [("now", end_to_end(root, csv_path))]
        before = os.environ.get("BENCH_BEFORE")
        if before:
            runs.append((f"before ({Path(before).name})", end_to_end(Path(before), csv_path)))
        for label, r in runs:
            print(f"end to end {label}: best {r['best']} s, median {r['median']} s")
        e2e = {"runs": runs, "imports": slowest_imports(root, csv_path)}
    write_section(rows, quality, e2e)
    print(f"written to {DOC}")


if __name__ == "__main__":
    main()
