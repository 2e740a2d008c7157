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


def folder_patterns(inside: set[str], folders: list[str]) -> list[str]:
    """Glob patterns (`PARENT/PATTERN`) that match exactly the folders in `inside` among
    `folders` (paths such as `models/NAME`): `prefix_cover` within each parent folder.

    Returns:
        The patterns, sorted by parent folder.
    """
    by_parent: dict[str, list[str]] = {}
    for folder in sorted(folders):
        parent, name = folder.rsplit("/", 1)
        by_parent.setdefault(parent, []).append(name)
    patterns = []
    for parent, names in sorted(by_parent.items()):
        mine = {n for n in names if f"{parent}/{n}" in inside}
        patterns += [f"{parent}/{pattern}" for pattern in prefix_cover(mine, names)]
    return patterns


def split_parts(folders: list[str], most: int) -> list[list[str]]:
    """Contiguous slices of `folders` (sorted), as few as hold at most `most` each, their
    sizes differing by one at most; one (perhaps empty) slice when all fit in one."""
    count = max(1, -(-len(folders) // most))
    size, longer = divmod(len(folders), count)
    ends = [(k + 1) * size + min(k + 1, longer) for k in range(count)]
    return [folders[end - size - (k < longer) : end] for k, end in enumerate(ends)]


def _exclusions(slices: list[list[str]], k: int, extra: list[str]) -> str:
    """`exclude_docs` of slice `k`: the card folders of every other slice, and `extra`."""
    folders = [f for s in slices for f in s]
    others = set(folders) - set(slices[k])
    lines = extra + [f"/{pattern}/" for pattern in folder_patterns(others, folders)]
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
    # At least `shards` slices (when there are that many cards), none above `shard_pages`.
    most = min(shard_pages or SHARD_PAGES, -(-len(ordered) // shards))
    slices = split_parts(ordered, max(1, most))
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
