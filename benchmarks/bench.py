"""Benchmarks for breakup: start-up, batch throughput against mailmerge, memory, tone check.

Every figure is a ratio measured side by side in one run (the commands take turns), from the
median of several runs, so the machine's speed and load cancel out:

    python benchmarks/bench.py                       # start-up, memory, check
    python benchmarks/bench.py --mailmerge PATH      # and throughput against mailmerge 2.3.0
    ... --workdir /dev/shm                           # documents on a RAM disk (see README)

mailmerge goes in a virtual environment of its own, so it cannot change breakup's:
    python -m venv /tmp/mm && /tmp/mm/bin/pip install mailmerge==2.3.0
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROFILE = HERE.parent / "tests" / "data" / "profile.toml"
FLOOR = "import click, jinja2, jinja2.ext, babel.support, babel.dates, babel.numbers, tomllib"
BREAKUP = str(Path(sys.executable).with_name("breakup"))
MAILMERGE_TEMPLATE = """\
TO: {{client_email}}
SUBJECT: Ending our work together on {{end_date}}
FROM: María Fernández <maria@estudiolumen.es>

Dear {{contact}},

I am writing to let you know that we have decided to end our work for {{client}}. Our work \
together will end on {{end_date}}. The outstanding balance is {{outstanding}}; please settle \
it by {{end_date}}. Thank you for the trust you have placed in us.
"""
MAILMERGE_CONFIG = "[smtp_server]\nhost = localhost\nport = 25\nsecurity = Never\nusername = None\n"


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run a command; return its wall time (s) and peak memory (KiB, the child's maxrss)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=env)  # fmt: skip
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss


def side_by_side(commands: dict[str, list[str]], runs: int, prepare=None) -> dict[str, float]:
    """Median wall time of each command, the commands taking turns run after run."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            if prepare:
                prepare(name)
            times[name].append(timed(command)[0])
    return {name: statistics.median(values) for name, values in times.items()}


def clients_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["archetype", "client", "contact", "client_email", "lang", "end_date",
                         "outstanding"])  # fmt: skip
        for i in range(rows):
            writer.writerow(["late-payer", f"Cliente {i} S.L.", f"Laura Gómez {i}",
                             f"c{i}@example.com", "es", "2027-01-15", str(1000 + i)])  # fmt: skip


def startup(runs: int) -> list[str]:
    results = side_by_side(
        {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import floor": [sys.executable, "-c", FLOOR],
            "breakup email late-payer --lang es": [BREAKUP, "email", "late-payer", "--lang", "es"],
            "breakup --help": [BREAKUP, "--help"],
            "breakup archetypes": [BREAKUP, "archetypes"],
        },
        runs,
    )
    floor = results["import floor"]
    lines = ["| command | median | vs import floor |", "|---|---:|---:|"]
    for name, value in results.items():
        lines.append(f"| `{name}` | {value * 1000:.0f} ms | {value / floor:.2f}x |")
    return lines


def throughput(mailmerge: str, rows: int, runs: int, work: Path) -> list[str]:
    data = work / "clients.csv"
    clients_csv(data, rows)
    one = work / "one.csv"
    clients_csv(one, 1)
    (work / "template.txt").write_text(MAILMERGE_TEMPLATE, encoding="utf-8")
    (work / "mailmerge.conf").write_text(MAILMERGE_CONFIG, encoding="utf-8")
    out = work / "out"

    def clean(_name: str) -> None:
        shutil.rmtree(out, ignore_errors=True)

    def ours(source: Path) -> list[str]:
        return [BREAKUP, "batch", str(source), "-o", str(out), "--only", "email", "--format",
                "eml", "--profile", str(PROFILE)]  # fmt: skip

    def theirs(source: Path) -> list[str]:
        return [mailmerge, "--no-limit", "--output-format", "raw", "--template",
                str(work / "template.txt"), "--database", str(source), "--config",
                str(work / "mailmerge.conf")]  # fmt: skip

    results = side_by_side(
        {"breakup": ours(data), "mailmerge": theirs(data), "breakup 1 row": ours(one),
         "mailmerge 1 row": theirs(one)},
        runs,
        prepare=clean,
    )  # fmt: skip
    per_ours = (results["breakup"] - results["breakup 1 row"]) / (rows - 1)
    per_theirs = (results["mailmerge"] - results["mailmerge 1 row"]) / (rows - 1)
    return [
        f"| {rows:,} emails | breakup batch (.eml drafts) | mailmerge 2.3.0 (dry run) | ratio |",
        "|---|---:|---:|---:|",
        f"| whole run | {results['breakup']:.2f} s | {results['mailmerge']:.2f} s | "
        f"{results['mailmerge'] / results['breakup']:.2f}x |",
        f"| per message (start-up taken out) | {per_ours * 1e3:.3f} ms | "
        f"{per_theirs * 1e3:.3f} ms | {per_theirs / per_ours:.2f}x |",
    ]


def memory(runs: int, work: Path) -> list[str]:
    peaks: dict[int, list[int]] = {}
    for rows in (1_000, 20_000):
        source = work / f"clients-{rows}.csv"
        clients_csv(source, rows)
        for _ in range(runs):
            out = work / f"mem-{rows}"
            shutil.rmtree(out, ignore_errors=True)
            command = [BREAKUP, "batch", str(source), "-o", str(out), "--only", "email",
                       "--format", "eml", "--profile", str(PROFILE)]  # fmt: skip
            peaks.setdefault(rows, []).append(timed(command)[1])
            shutil.rmtree(out, ignore_errors=True)
    small, large = (statistics.median(peaks[n]) for n in (1_000, 20_000))
    return [
        "| rows | peak RSS (median) |",
        "|---:|---:|",
        f"| 1,000 | {small / 1024:.1f} MiB |",
        f"| 20,000 | {large / 1024:.1f} MiB ({large / small:.2f}x) |",
    ]


def check_speed(runs: int) -> list[str]:
    sys.path.insert(0, str(HERE.parent))
    from breakup.check import check_text

    sentence = ("Thank you for the years of work together. The invoice of 15 January is still "
                "unpaid, and we will send the files by Friday. ")  # fmt: skip
    draft = (sentence * (2000 // len(sentence.split()) + 1)).strip()
    check_text("warm up", "en")
    times = []
    for _ in range(runs * 3):
        start = time.perf_counter()
        check_text(draft, "en")
        times.append(time.perf_counter() - start)
    check = statistics.median(times)
    cli = side_by_side({"breakup --help": [BREAKUP, "--help"]}, runs)["breakup --help"]
    return [
        "| 2,000-word draft | median |",
        "|---|---:|",
        f"| check_text | {check * 1000:.1f} ms |",
        f"| CLI start-up (`breakup --help`) | {cli * 1000:.0f} ms ({check / cli:.2f}x of it) |",
    ]


def check_scale(runs: int, work: Path) -> list[str]:
    """The tone check on adversarial and large drafts: time grows linearly, memory is bounded."""
    sys.path.insert(0, str(HERE.parent))
    from breakup.check import MAX_DRAFT_BYTES, check_text

    check_text("warm up", "en")

    def median_time(text: str) -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            check_text(text, "en")
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    lines = ["| draft | median | vs 4x smaller |", "|---|---:|---:|"]
    previous = None
    for count in (10_000, 40_000, 160_000):
        value = median_time("so " * count)
        ratio = f"{value / previous:.1f}x" if previous else ""
        lines.append(f'| `"so " * {count:,}` | {value * 1000:.0f} ms | {ratio} |')
        previous = value
    # A large letter of ordinary sentences, just under the limit, through the CLI.
    sentence = ("Thank you for the years of work together. The invoice of 15 January is still "
                "unpaid, and we will send the files by Friday.\n\n")  # fmt: skip
    draft = work / "large.txt"
    draft.write_text(sentence * ((MAX_DRAFT_BYTES - 1024) // len(sentence)), encoding="utf-8")
    small = work / "small.txt"
    small.write_text(sentence * 20, encoding="utf-8")
    env = {**os.environ, "LANG": "C"}
    for name, path in (("2 KB", small), ("10 MB", draft)):
        results = [check_cli(str(path), env) for _ in range(3)]
        wall = statistics.median(r[0] for r in results)
        peak = statistics.median(r[1] for r in results)
        lines.append(f"| CLI, {name} letter | {wall:.2f} s | peak RSS {peak / 1024:.0f} MiB |")
    return lines


# The child reports its own high-water mark: a forked child's ru_maxrss starts from the
# parent's, and this benchmark's parent has grown by then.
_REPORT_PEAK = (
    "import atexit, sys\n"
    "def peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.stderr.write('peak ' + line.split()[1] + '\\n')\n"
    "atexit.register(peak)\n"
    "from breakup.cli import main\n"
    "sys.argv = ['breakup', *sys.argv[1:]]\n"
    "main()\n"
)


def check_cli(path: str, env: dict[str, str]) -> tuple[float, int]:
    """Run `breakup check PATH`; return its wall time (s) and its own peak RSS (KiB)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _REPORT_PEAK, "check", path, "--lang", "en"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, check=False)  # fmt: skip
    elapsed = time.perf_counter() - start
    peaks = [line.split()[1] for line in result.stderr.splitlines() if line.startswith("peak ")]
    if result.returncode != 0 or not peaks:
        raise SystemExit(f"failed: breakup check {path}: {result.stderr}")
    return elapsed, int(peaks[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command (median)")
    parser.add_argument("--rows", type=int, default=2000, help="rows for the throughput run")
    parser.add_argument("--mailmerge", help="path to a mailmerge 2.3.0 executable")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument(
        "--workdir",
        default=".",
        help="where the documents are written (default: here; /dev/shm measures the tool "
        "rather than the disk, whose speed varies widely on some machines)",
    )
    args = parser.parse_args()
    if not Path(BREAKUP).exists():
        raise SystemExit(f"{BREAKUP} not found: install breakup in this environment first")
    with tempfile.TemporaryDirectory(dir=args.workdir, prefix=".bench-") as tmp:
        work = Path(tmp)
        print("## Start-up\n")
        print("\n".join(startup(args.runs)))
        if args.mailmerge:
            print("\n## Throughput\n")
            print("\n".join(throughput(args.mailmerge, args.rows, args.runs, work)))
        if not args.skip_memory:
            print("\n## Memory\n")
            print("\n".join(memory(3, work)))
        print("\n## Tone check\n")
        print("\n".join(check_speed(args.runs)))
        print("\n## Tone check at scale\n")
        print("\n".join(check_scale(args.runs, work)))


if __name__ == "__main__":
    main()
