"""Build a large site with several `mkdocs build` processes at once, then merge their output.

Each process builds one contiguous slice of the card pages (the others are left out with
`exclude_docs`, so links to them still resolve and strict mode stays on) and the merge
moves the slices into one site. It never edits the project's own mkdocs.yml or docs.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby
from pathlib import Path

import yaml

from ..errors import CardgenError
from ._builders import builder_command, builder_env, discard_site_dir, failure_detail

SHARD_DIR = ".cardgen-shards"
SHARD_PAGES = 2500
"""Most card pages one mkdocs process builds. It holds them all in memory (about 0.1 MB
each) and reads the names of every file of the site first, so a site of 20,000 cards is
built in 8 slices, as many at a time as there are processes."""


def prefix_cover(inside: set[str], names: list[str], prefix: str = "") -> list[str]:
    """Glob patterns that match exactly the names in `inside` among `names`.

    `names` are sorted and all start with `prefix`. A pattern is `PREFIX*` when every
    name under that prefix is inside, or an exact name; contiguous slices of a sorted
    list need few patterns.

    Returns:
        The patterns, in order.
    """
    if not any(n in inside for n in names):
        return []
    if all(n in inside for n in names):
        return [prefix + "*"] if prefix else ["*"]
    patterns = [prefix] if prefix in inside and prefix in names else []
    rest = [n for n in names if n != prefix]
    for char, group in groupby(rest, key=lambda n: n[len(prefix)]):
        patterns += prefix_cover(inside, list(group), prefix + char)
    return patterns


def _exclusions(slices: list[list[str]], k: int, extra: list[str]) -> str:
    """`exclude_docs` of slice `k`: the card folders of every other slice, and `extra`."""
    mine = set(slices[k])
    lines = list(extra)
    by_dir: dict[str, list[str]] = {}
    for folder in sorted(f for s in slices for f in s):
        top, name = folder.split("/", 1)
        by_dir.setdefault(top, []).append(name)
    for top, names in sorted(by_dir.items()):
        others = {n for n in names if f"{top}/{n}" not in mine}
        lines += [f"/{top}/{pattern}/" for pattern in prefix_cover(others, names)]
    return "\n".join(lines) + "\n"


def _merge_sitemaps(site_dir: Path, others: list[Path]) -> None:
    main = site_dir / "sitemap.xml"
    if not main.exists():
        return
    text = main.read_text(encoding="utf-8")
    urls = set(re.findall(r"<url>.*?</url>", text, re.DOTALL))
    for other in others:
        sitemap = other / "sitemap.xml"
        if sitemap.exists():
            urls.update(
                re.findall(r"<url>.*?</url>", sitemap.read_text(encoding="utf-8"), re.DOTALL)
            )
    head, _, _ = text.partition("<url>")
    merged = head + "\n    ".join(sorted(urls)) + "\n</urlset>\n"
    main.write_text(merged, encoding="utf-8")
    with gzip.GzipFile(site_dir / "sitemap.xml.gz", "wb", mtime=0) as fh:
        fh.write(merged.encode("utf-8"))


def build_sharded(
    config: Path,
    docs_dir: Path,
    site_dir: Path,
    folders: list[str],
    shared_pages: list[str],
    shards: int,
    strict: bool = True,
    shard_pages: int | None = None,
) -> None:
    """Build the project with up to `shards` mkdocs processes at once and merge the results.

    Args:
        config: the project's mkdocs.yml (inherited by each shard's config).
        docs_dir: its docs folder.
        site_dir: where the merged site goes.
        folders: card folders inside docs (`models/NAME`), split into contiguous slices.
        shared_pages: docs paths only the first shard builds (home, indexes, sections).
        shards: number of processes at once.
        strict: pass `--strict` to each build.
        shard_pages: most card pages one process builds (default `SHARD_PAGES`): a
            process holds every page it builds in memory, so a large site is built in
            more slices than processes, `shards` of them at a time.

    Raises:
        CardgenError: if any shard's build fails (with its messages).
    """
    work = config.parent / SHARD_DIR
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    ordered = sorted(folders)
    count = max(shards, -(-len(ordered) // (shard_pages or SHARD_PAGES)))
    size = -(-len(ordered) // count)
    slices = [ordered[i : i + size] for i in range(0, len(ordered), size)]
    user = yaml.load(config.read_text(encoding="utf-8"), Loader=_AnyTagLoader) or {}
    user_exclude = [line for line in str(user.get("exclude_docs") or "").splitlines() if line]
    cleaner = discard_site_dir(site_dir)
    outputs = [site_dir] + [work / f"site-{k}" for k in range(1, len(slices))]
    commands = []
    for k, output in enumerate(outputs):
        extra = user_exclude + ([f"/{p}" for p in shared_pages] if k else [])
        shard_config = work / f"shard-{k}.yml"
        shard_config.write_text(
            f"INHERIT: {config.resolve()}\n"
            + yaml.safe_dump(
                {
                    "docs_dir": str(docs_dir.resolve()),
                    "site_dir": str(output.resolve()),
                    "exclude_docs": _exclusions(slices, k, extra),
                },
                width=1000,
            ),
            encoding="utf-8",
        )
        commands.append(builder_command("mkdocs", shard_config, strict))
    with ThreadPoolExecutor(max_workers=shards) as pool:
        failures = [f for f in pool.map(_run_shard, commands) if f]
    if cleaner is not None:
        cleaner.join()
    if failures:
        raise CardgenError(
            f"mkdocs build{' --strict' if strict else ''} failed for "
            f"{config}:\n" + "\n".join(failures)
        )
    for k, output in enumerate(outputs[1:], 1):
        for folder in slices[k]:
            target = site_dir / folder
            shutil.rmtree(target, ignore_errors=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            (output / folder).rename(target)
    _merge_sitemaps(site_dir, outputs[1:])
    shutil.rmtree(work, ignore_errors=True)


def _run_shard(command: list[str]) -> str | None:
    """Run one shard's build; its messages when it fails, else None."""
    done = subprocess.run(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=builder_env(),
        check=False,
    )
    return failure_detail(done.stdout, done.returncode) if done.returncode != 0 else None


class _AnyTagLoader(yaml.SafeLoader):
    """Reads mkdocs.yml files that use `!ENV` or `!!python/name:` tags without running them."""


_AnyTagLoader.add_multi_constructor("", lambda loader, suffix, node: None)
