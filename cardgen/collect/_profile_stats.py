"""Mergeable per-batch accumulators behind `profile`: columns, duplicate rows, groups.

Each accumulator sees Arrow batches once and keeps bounded state; none reads files or
decides what to warn about.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..metrics import wilson_interval as metrics_wilson
from ..schema.evaluation import MetricValue
from ..schema.profile import ColumnProfile, Histogram, NumericStats, TextStats, ValueCount

MAX_VALUE_CHARS = 200
"""Top values longer than this are cut: values are untrusted text and facts stay small."""
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
"""Quantiles reported for numeric columns."""
HISTOGRAM_BINS = 20
"""Equal-width bins of numeric histograms."""
"""Group name of rows whose sensitive attribute is missing."""

_NULL_HASH = np.uint64(0x9E3779B97F4A7C15)
_MIX = np.uint64(0xBF58476D1CE4E5B9)
_CANDIDATES = 1000  # frequent values followed exactly once a column is sketched
_ROW_MULTIPLIER = np.uint64(0x100000001B3)  # the 64-bit FNV prime: odd, so invertible
_NUMERIC_TEXT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads the bits of uint64 values (vectorised, wraps)."""
    x = values ^ (values >> np.uint64(30))
    x = x * _MIX
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def logical_type(arrow_type: pa.DataType) -> str:
    """The profile's logical type of an Arrow type."""
    if pa.types.is_null(arrow_type):
        return "null"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "float"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    if pa.types.is_dictionary(arrow_type):
        return logical_type(arrow_type.value_type)
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "datetime"
    return "other"


def as_text(values: pa.Array) -> pa.Array:
    """Values as text (Arrow's own formatting, so the same value always reads the same)."""
    if pa.types.is_string(values.type):
        return values
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if pa.types.is_large_string(values.type):
        return values.cast(pa.string())
    try:
        return pc.cast(values, pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in values.to_pylist()], pa.string())


@dataclass
class _Moments:
    """Count, mean and sum of squared deviations, merged exactly across batches (Chan et al.)."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, values: np.ndarray) -> None:
        n_b = values.size
        if n_b == 0:
            return
        mean_b = float(values.mean())
        m2_b = float(((values - mean_b) ** 2).sum())
        n = self.n + n_b
        delta = mean_b - self.mean
        self.mean += delta * n_b / n
        self.m2 += m2_b + delta * delta * self.n * n_b / n
        self.n = n


class _Sketch:
    """Bounded state of a column with too many distinct values to keep.

    Distinct values: a HyperLogLog estimate (2^14 registers, standard error about 0.8%).
    Top values: the most frequent values at the switch become candidates whose counts keep
    being exact; a value that only becomes frequent later is missed (`top_values_exact`
    is then false).
    """

    BITS = 14

    def __init__(self, keys: np.ndarray, counts: np.ndarray, mixed: np.ndarray, candidates: int):
        self.registers = np.zeros(1 << self.BITS, dtype=np.uint8)
        self._add_distinct(mixed)
        frequent = np.flatnonzero(counts >= 2)
        if len(frequent) > candidates:
            frequent = frequent[np.argsort(-counts[frequent], kind="stable")[:candidates]]
        order = np.argsort(keys[frequent])
        self.keys, self.counts = keys[frequent][order], counts[frequent][order].copy()

    def _add_distinct(self, mixed: np.ndarray) -> None:
        index = (mixed >> np.uint64(64 - self.BITS)).astype(np.intp)
        rest = mixed << np.uint64(self.BITS)
        # rank = position of the first 1 bit of `rest`, from 1; the bit length comes from
        # the float exponent (exact enough: an off-by-one needs 53 trailing ones).
        bit_length = np.frexp(rest.astype(np.float64))[1]
        rank = np.where(rest == 0, 64 - self.BITS + 1, 65 - bit_length).astype(np.uint8)
        np.maximum.at(self.registers, index, rank)

    def add(self, keys: np.ndarray, counts: np.ndarray, mixed: np.ndarray) -> None:
        """Add a batch's distinct values (`keys`, their `counts`, their mixed hashes)."""
        self._add_distinct(mixed)
        if len(self.keys):
            position = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            hit = self.keys[position] == keys
            np.add.at(self.counts, position[hit], counts[hit])

    def distinct(self) -> int:
        """HyperLogLog estimate of the distinct values (linear counting when small)."""
        m = len(self.registers)
        estimate = float(
            0.7213 / (1 + 1.079 / m) * m * m / np.sum(2.0 ** -self.registers.astype(float))
        )
        zeros = int(np.count_nonzero(self.registers == 0))
        if estimate <= 2.5 * m and zeros:
            estimate = m * math.log(m / zeros)
        return round(estimate)


@dataclass
class ColumnAccumulator:
    """Facts of one column, accumulated batch by batch with bounded memory.

    Text: each batch is dictionary-encoded once; that gives value counts, lengths and row
    hashes together. Distinct values are counted exactly with their values up to
    `max_tracked_values`; above that the column switches to 64-bit hashes of its values and
    its top values are recovered by a second pass over the file.
    Numbers: values are kept for exact quantiles, histogram and value counts up to
    `max_exact_values`; above that a uniform random sample of that size is kept (bottom-k of
    seeded random keys) and value counts are merged batch by batch.
    Bounded memory: a text column with more than 4 x `max_tracked_values` hashed values, or
    a sampled numeric column with more than `max_tracked_values` distinct values, switches
    to a sketch (`_Sketch`): distinct values estimated, top values from early candidates.
    """

    name: str
    arrow_type: pa.DataType
    top_k: int = 10
    max_tracked_values: int = 1_000_000
    max_exact_values: int = 2_000_000
    seed: int = 0
    rows: int = 0
    missing: int = 0
    _pending: list[pa.Table] = field(default_factory=list)
    _pending_len: int = 0
    _counts: pa.Table | None = None
    _hash_counts: tuple[np.ndarray, np.ndarray] | None = None
    _pending_hashes: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    _moments: _Moments = field(default_factory=_Moments)
    _min: float = math.inf
    _max: float = -math.inf
    _values: list[np.ndarray] = field(default_factory=list)
    _n_values: int = 0
    _keys: np.ndarray | None = None
    _rng: np.random.Generator | None = None
    _num_counts: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    _num_counts_len: int = 0
    _num_merged: int = 0
    _sketch: _Sketch | None = None
    _final_counts: tuple[np.ndarray, np.ndarray] | None = None
    _len_min: int | None = None
    _len_max: int | None = None
    _len_sum: int = 0
    _empty: int = 0
    _date_min: object = None
    _date_max: object = None
    sample: list[str] = field(default_factory=list)
    top_hash_values: dict[int, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """Logical type of the column."""
        return logical_type(self.arrow_type)

    @property
    def hashed(self) -> bool:
        """True once a text column counts its values by hash (too many to keep)."""
        return self._hash_counts is not None or (self._sketch is not None and self.kind == "string")

    @property
    def sketched(self) -> bool:
        """True once the column's distinct values are estimated (far too many to count)."""
        return self._sketch is not None

    def update(self, values: pa.Array, row_hash: np.ndarray) -> np.ndarray:
        """Add one batch of the column; return `row_hash` with its values mixed in."""
        kind = self.kind
        self.rows += len(values)
        if kind == "string":
            return self._update_text(values, row_hash)
        if kind in ("integer", "float"):
            return self._update_numeric(values, row_hash)
        if kind in ("null", "other"):
            self.missing += len(values) if kind == "null" else values.null_count
            return self._hash_other(values, row_hash)
        # booleans, dates, datetimes: few of them, Arrow's value_counts is enough
        valid = values.drop_null() if values.null_count else values
        self.missing += len(values) - len(valid)
        if len(valid):
            counted = pc.value_counts(valid)
            self._add_counts(pa.table({"v": counted.field("values"), "c": counted.field("counts")}))
        if kind in ("date", "datetime") and len(valid):
            low, high = (v.as_py() for v in pc.min_max(valid).values())
            self._date_min = low if self._date_min is None else min(self._date_min, low)
            self._date_max = high if self._date_max is None else max(self._date_max, high)
            self._take_sample(values)
        return _combine(row_hash, self.value_hashes(values))

    def _take_sample(self, values: pa.Array) -> None:
        if len(self.sample) < 1000:
            head = values.slice(0, 4000).drop_null().slice(0, 1000 - len(self.sample))
            self.sample.extend(str(v) for v in head.to_pylist())

    # -- text --------------------------------------------------------------------------

    def _update_text(self, values: pa.Array, row_hash: np.ndarray) -> np.ndarray:
        if not pa.types.is_string(values.type):
            values = as_text(values)
        encoded = pc.dictionary_encode(values)
        dictionary = encoded.dictionary
        indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        present = indices[indices >= 0] if encoded.null_count else indices
        self.missing += len(values) - len(present)
        counts = np.bincount(present, minlength=len(dictionary)).astype(np.int64)
        hashes = pd.util.hash_array(
            dictionary.to_numpy(zero_copy_only=False).astype(object), categorize=False
        )
        if len(dictionary):
            lengths = pc.utf8_length(dictionary).to_numpy(zero_copy_only=False)
            low, high = int(lengths.min()), int(lengths.max())
            self._len_min = low if self._len_min is None else min(self._len_min, low)
            self._len_max = high if self._len_max is None else max(self._len_max, high)
            self._len_sum += int((lengths * counts).sum())
            self._empty += int(counts[lengths == 0].sum())
            if self._sketch is not None:
                self._sketch.add(hashes, counts, hashes)
            elif self.hashed:
                self._pending_hashes.append((hashes, counts))
                self._maybe_merge_hashes()
            else:
                self._add_counts(pa.table({"v": dictionary, "c": counts}))
            self._take_sample(values)
        row_values = np.append(hashes, _NULL_HASH)[indices]  # index -1: missing
        return _combine(row_hash, row_values)

    def _add_counts(self, table: pa.Table) -> None:
        if self.hashed:
            hashes = self.value_hashes(table.column("v").combine_chunks())
            counts = table.column("c").to_numpy().astype(np.int64)
            if self._sketch is not None:
                self._sketch.add(hashes, counts, hashes)
            else:
                self._pending_hashes.append((hashes, counts))
                self._maybe_merge_hashes()
            return
        self._pending.append(table)
        self._pending_len += len(table)
        if self._pending_len > self.max_tracked_values:
            self._compact()
            if self._counts is not None and len(self._counts) > self.max_tracked_values:
                counts, self._counts = self._counts, None
                self._hash_counts = (np.empty(0, np.uint64), np.empty(0, np.int64))
                self._add_counts(counts)

    def _compact(self) -> None:
        tables = ([self._counts] if self._counts is not None else []) + self._pending
        self._pending, self._pending_len = [], 0
        if not tables:
            return
        merged = pa.concat_tables(tables)
        if len(tables) > 1:
            merged = merged.group_by("v", use_threads=False).aggregate([("c", "sum")])
            merged = merged.rename_columns(["v", "c"])
        self._counts = merged

    def _maybe_merge_hashes(self) -> None:
        # Merge when the pending part outgrows the merged part too: amortised O(n log n).
        merged = 0 if self._hash_counts is None else len(self._hash_counts[0])
        if sum(len(h) for h, _ in self._pending_hashes) > max(self.max_tracked_values, merged):
            self._merge_hashes()

    def _merge_hashes(self) -> None:
        if self._hash_counts is None:
            return
        hashes = np.concatenate([self._hash_counts[0], *(h for h, _ in self._pending_hashes)])
        counts = np.concatenate([self._hash_counts[1], *(c for _, c in self._pending_hashes)])
        self._pending_hashes = []
        self._hash_counts = _sum_by_value(hashes, counts)
        if len(self._hash_counts[0]) > 4 * self.max_tracked_values:
            hashes, counts = self._hash_counts
            self._sketch = _Sketch(hashes, counts, hashes, candidates=_CANDIDATES)
            self._hash_counts = None

    def value_hashes(self, values: pa.Array) -> np.ndarray:
        """64-bit hashes of values (missing values hash to a constant)."""
        if self.kind == "string":
            values = as_text(values)
            texts = values.to_numpy(zero_copy_only=False).astype(object)
            out = pd.util.hash_array(np.where(pd.isna(texts), "", texts), categorize=False)
        elif pa.types.is_boolean(values.type):
            bits = pc.fill_null(values.cast(pa.uint8()), 0).to_numpy(zero_copy_only=False)
            out = _mix64(bits.astype(np.uint64) + np.uint64(1))
        else:
            if pa.types.is_date32(values.type):
                values = values.cast(pa.int32())
            elif pa.types.is_date(values.type) or pa.types.is_timestamp(values.type):
                values = values.cast(pa.int64())
            elif pa.types.is_decimal(values.type):
                values = values.cast(pa.float64())
            out = _mix64(_bits(values))
        if values.null_count:
            out[~values.is_valid().to_numpy(zero_copy_only=False)] = _NULL_HASH
        return out

    def top_hashes(self) -> list[tuple[int, int]]:
        """(hash, count) of at most `top_k` most frequent values of a hashed column.

        Values seen once are not "frequent" here (a hashed column has over a million
        distinct values); ties at the cut are broken by hash, so the choice is stable.
        """
        self._merge_hashes()
        if self._sketch is not None:
            hashes, counts = self._sketch.keys, self._sketch.counts
        else:
            assert self._hash_counts is not None
            hashes, counts = self._hash_counts
        if len(counts) == 0 or self.top_k == 0:
            return []
        k = min(len(counts), self.top_k)
        threshold = max(int(np.partition(counts, len(counts) - k)[len(counts) - k]), 2)
        above = np.flatnonzero(counts > threshold)
        tied = np.flatnonzero(counts == threshold)[: k - len(above)]  # hashes are sorted
        keep = np.concatenate([above, tied])
        return [(int(hashes[i]), int(counts[i])) for i in keep]

    def _hash_other(self, values: pa.Array, row_hash: np.ndarray) -> np.ndarray:
        if pa.types.is_null(values.type):
            hashed = np.full(len(values), _NULL_HASH, dtype=np.uint64)
        else:
            texts = np.array([repr(v) for v in values.to_pylist()], dtype=object)
            hashed = pd.util.hash_array(texts, categorize=False)
        return _combine(row_hash, hashed)

    # -- numbers --------------------------------------------------------------------------

    def _update_numeric(self, values: pa.Array, row_hash: np.ndarray) -> np.ndarray:
        if pa.types.is_decimal(values.type):
            values = values.cast(pa.float64())
        if self.kind == "float":
            data = values.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
            missing = np.isnan(data)  # NaN is missing, as in pandas; so is null (-> NaN)
            valid = data[~missing] if missing.any() else data
            hashed = _mix64((data + 0.0).view(np.uint64))  # -0.0 hashes as 0.0
            hashed[missing] = _NULL_HASH
        else:
            valid = (
                (values.drop_null() if values.null_count else values)
                .to_numpy(zero_copy_only=False)
                .astype(np.int64, copy=False)
            )
            hashed = _mix64(
                pc.fill_null(values, 0)
                .to_numpy(zero_copy_only=False)
                .astype(np.int64, copy=False)
                .view(np.uint64)
            )
            if values.null_count:
                hashed[~values.is_valid().to_numpy(zero_copy_only=False)] = _NULL_HASH
        self.missing += len(values) - len(valid)
        if len(valid):
            self._moments.add(valid.astype(np.float64, copy=False))
            self._min = min(self._min, float(valid.min()))
            self._max = max(self._max, float(valid.max()))
            self._values.append(valid)
            self._n_values += valid.size
            if self._sketch is not None:
                distinct, counts = np.unique(valid, return_counts=True)
                keys = distinct.view(np.uint64)
                self._sketch.add(keys, counts, _mix64(keys))
            elif self._rng is not None:  # sampling: values are not all kept, count them now
                self._num_counts.append(np.unique(valid, return_counts=True))
                self._num_counts_len += len(self._num_counts[-1][0])
                if self._num_counts_len > max(self.max_tracked_values, self._num_merged):
                    self._merge_numeric_counts()
            if self._n_values > self.max_exact_values:
                self._subsample()
        return _combine(row_hash, hashed)

    def _merge_numeric_counts(self) -> None:
        if not self._num_counts:
            self._num_counts = [(np.empty(0), np.empty(0, np.int64))]
        values = np.concatenate([v for v, _ in self._num_counts])
        counts = np.concatenate([c for _, c in self._num_counts])
        self._num_counts = [_sum_by_value(values, counts)]
        self._num_merged, self._num_counts_len = len(self._num_counts[0][0]), 0
        if self._num_merged > self.max_tracked_values and self._rng is not None:
            distinct, counts = self._num_counts[0]
            keys = distinct.view(np.uint64)
            self._sketch = _Sketch(keys, counts, _mix64(keys), candidates=_CANDIDATES)
            self._num_counts, self._num_merged = [], 0

    def _subsample(self) -> None:
        # Bottom-k of uniform random keys is a uniform sample without replacement, and it
        # merges batch by batch: keep the k values with the smallest keys seen so far.
        if self._rng is None:
            self._rng = np.random.default_rng(self.seed)
            # From now on values are not all kept: count them as they come.
            self._num_counts = [np.unique(np.concatenate(self._values), return_counts=True)]
            self._merge_numeric_counts()
        old = self._keys if self._keys is not None else np.empty(0)
        fresh = self._rng.random(self._n_values - old.size)
        keys = np.concatenate([old, fresh])
        values = np.concatenate(self._values)
        keep = np.argpartition(keys, self.max_exact_values)[: self.max_exact_values]
        keep.sort()
        self._keys, self._values = keys[keep], [values[keep]]
        self._n_values = self.max_exact_values

    def _numeric_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted distinct numeric values and their counts (computed once, at the end)."""
        if self._final_counts is None:
            if self._rng is None:  # every value is kept: one np.unique over all of them
                values = np.concatenate(self._values) if self._values else np.empty(0)
                self._values = [values]
                self._final_counts = np.unique(values, return_counts=True)
            elif self._sketch is not None:  # the candidates only
                keys, counts = self._sketch.keys, self._sketch.counts
                self._final_counts = (keys.view(self._values[0].dtype), counts)
            else:
                self._merge_numeric_counts()
                if self._sketch is not None:
                    return self._numeric_counts()
                self._final_counts = self._num_counts[0]
        return self._final_counts

    # -- results --------------------------------------------------------------------------

    def value_counts(self) -> pa.Table | None:
        """Exact (value, count) table of the column; None for a hashed column."""
        if self.kind in ("integer", "float"):
            values, counts = self._numeric_counts()
            return pa.table({"v": pa.array(values), "c": pa.array(counts.astype(np.int64))})
        if self.hashed:
            return None
        self._compact()
        return self._counts

    def distinct(self) -> int | None:
        """Distinct non-missing values (exact; up to 64-bit collisions for hashed columns)."""
        if self.kind in ("null", "other"):
            return None if self.kind == "other" else 0
        if self.hashed:
            self._merge_hashes()
        if self._sketch is not None:
            return self._sketch.distinct()
        if self._hash_counts is not None:
            return len(self._hash_counts[0])
        counts = self.value_counts()
        return 0 if counts is None else len(counts)

    def _top_values(self) -> list[ValueCount]:
        count = self.rows - self.missing
        if self.hashed:
            pairs = [(self.top_hash_values.get(h), c) for h, c in self.top_hashes()]
            ranked = sorted(
                ((v, c) for v, c in pairs if v is not None), key=lambda p: (-p[1], p[0])
            )
            return [_value_count(v, c, count) for v, c in ranked[: self.top_k]]
        table = self.value_counts()
        if table is None or len(table) == 0 or self.top_k == 0:
            return []
        counts = table.column("c")
        k = min(len(table), self.top_k)
        # Ties at the cut are broken by value: find the k-th largest count, keep every value
        # at or above it, then sort that short list by (count desc, value asc).
        raw = counts.to_numpy()
        threshold = int(np.partition(raw, len(raw) - k)[len(raw) - k])
        candidates = table.filter(pc.greater_equal(counts, threshold))
        order = pc.sort_indices(candidates, sort_keys=[("c", "descending"), ("v", "ascending")])
        top = candidates.take(order.slice(0, k))
        values = top.column("v").combine_chunks()
        if self.kind == "integer" and not pa.types.is_integer(values.type):
            values = values.cast(pa.int64())
        texts = as_text(values).to_pylist()
        return [
            _value_count(v, c, count)
            for v, c in zip(texts, top.column("c").to_pylist(), strict=True)
        ]

    def numeric_text_count(self) -> int | None:
        """Non-missing values of a text column that look like numbers (None if hashed)."""
        if self.kind != "string":
            return None
        table = self.value_counts()
        if table is None:
            return None
        if len(table) == 0:
            return 0
        looks = pc.match_substring_regex(table.column("v"), _NUMERIC_TEXT.pattern)
        return int(pc.sum(pc.if_else(looks, table.column("c"), 0)).as_py() or 0)

    def result(self) -> ColumnProfile:
        """The column's profile."""
        count = self.rows - self.missing
        kind = self.kind
        numeric_values = None
        numeric_like = self.numeric_text_count()
        if numeric_like is not None and 0 < numeric_like < count:
            kind, numeric_values = "mixed", numeric_like
        return ColumnProfile(
            name=self.name,
            type=kind,
            storage_type=str(self.arrow_type),
            count=count,
            missing=self.missing,
            missing_rate=self.missing / self.rows if self.rows else None,
            distinct=self.distinct(),
            distinct_exact=not self.sketched,
            top_values=self._top_values(),
            top_values_exact=not self.sketched,
            numeric_values=numeric_values,
            numeric=self._numeric_stats() if self.kind in ("integer", "float") else None,
            text=self._text_stats() if self.kind == "string" else None,
            earliest=None if self._date_min is None else str(self._date_min),
            latest=None if self._date_max is None else str(self._date_max),
        )

    def _numeric_stats(self) -> NumericStats:
        n = self._moments.n
        if n == 0:
            return NumericStats()
        exact = self._rng is None
        if exact:
            # Quantiles and histogram from the sorted distinct values and their counts:
            # the same numbers as numpy's linear interpolation over all values, no re-sort.
            values, counts = self._numeric_counts()
            quantiles = _weighted_quantiles(values.astype(np.float64), counts, QUANTILES)
        else:
            values = np.concatenate(self._values)
            counts = None
            quantiles = np.quantile(values, QUANTILES)
        low, high = self._min, self._max
        if exact:
            assert counts is not None
            hist, edges = np.histogram(
                values, bins=HISTOGRAM_BINS, range=(low, high), weights=counts
            )
        else:
            hist, edges = np.histogram(values, bins=HISTOGRAM_BINS, range=(low, high))
        return NumericStats(
            min=low,
            max=high,
            mean=self._moments.mean,
            std=math.sqrt(self._moments.m2 / (n - 1)) if n > 1 else None,
            quantiles={str(q): float(v) for q, v in zip(QUANTILES, quantiles, strict=True)},
            histogram=Histogram(bin_edges=[float(e) for e in edges], counts=[int(c) for c in hist]),
            exact=exact,
            sample_size=None if exact else int(values.size),
        )

    def _text_stats(self) -> TextStats:
        count = self.rows - self.missing
        return TextStats(
            min_length=self._len_min,
            max_length=self._len_max,
            mean_length=self._len_sum / count if count else None,
            empty=self._empty,
        )


def _weighted_quantiles(
    values: np.ndarray, counts: np.ndarray, probabilities: tuple[float, ...]
) -> list[float]:
    """Quantiles (numpy's `linear` method) of sorted `values` each repeated `counts` times."""
    ends = np.cumsum(counts)
    total = int(ends[-1])

    def at(position: np.ndarray) -> np.ndarray:
        return values[np.searchsorted(ends, position, side="right")]

    h = (total - 1) * np.asarray(probabilities)
    low = np.floor(h).astype(np.int64)
    high = np.minimum(low + 1, total - 1)
    return list(at(low) + (h - low) * (at(high) - at(low)))


def _sum_by_value(values: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    unique, inverse = np.unique(values, return_inverse=True)
    return unique, np.bincount(inverse, weights=counts, minlength=len(unique)).astype(np.int64)


def _bits(values: pa.Array) -> np.ndarray:
    data = pc.fill_null(values, 0).to_numpy(zero_copy_only=False)
    if data.dtype.kind == "f":
        return (data.astype(np.float64) + 0.0).view(np.uint64)
    return data.astype(np.int64, copy=False).view(np.uint64)


def _combine(row_hash: np.ndarray, column_hash: np.ndarray) -> np.ndarray:
    # Column hashes are already mixed 64-bit values; a polynomial over them (mod 2^64)
    # keeps column order and costs two operations per cell.
    return row_hash * _ROW_MULTIPLIER + column_hash


def _value_count(value: str, count: int, total: int) -> ValueCount:
    truncated = len(value) > MAX_VALUE_CHARS
    return ValueCount(
        value=value[:MAX_VALUE_CHARS],
        count=count,
        share=count / total if total else 0.0,
        truncated=truncated,
    )


class DuplicateCounter:
    """Counts rows that repeat an earlier row, from 64-bit row hashes (8 bytes per row).

    Past `max_rows` rows it stops (bounded memory) and reports no count.
    """

    def __init__(self, max_rows: int = 50_000_000) -> None:
        self._hashes: list[np.ndarray] = []
        self._unique = np.empty(0, np.uint64)
        self._pending = 0
        self.rows = 0
        self.max_rows = max_rows

    @property
    def gave_up(self) -> bool:
        """True when the file had more rows than are checked."""
        return self.rows > self.max_rows

    def add(self, row_hash: np.ndarray) -> None:
        """Add one batch's row hashes."""
        self.rows += row_hash.size
        if self.gave_up:
            self._hashes, self._unique = [], np.empty(0, np.uint64)
            return
        self._hashes.append(row_hash)
        self._pending += row_hash.size
        if self._pending > 8_000_000:
            self._compact()

    def _compact(self) -> None:
        # Sorting beats numpy's hash-based unique on random 64-bit keys.
        self._unique = self._distinct_sorted(np.concatenate([self._unique, *self._hashes]))
        self._hashes, self._pending = [], 0

    def duplicates(self) -> int | None:
        """Rows minus distinct rows; None past `max_rows`."""
        if self.gave_up:
            return None
        self._compact()
        return self.rows - int(self._unique.size)

    @staticmethod
    def _distinct_sorted(hashes: np.ndarray) -> np.ndarray:
        hashes.sort()
        keep = np.empty(hashes.size, dtype=bool)
        keep[:1] = True
        np.not_equal(hashes[1:], hashes[:-1], out=keep[1:])
        return hashes[keep]


def wilson_interval(successes: int, n: int, level: float = 0.95) -> MetricValue:
    """A proportion with its Wilson score interval; undefined (null) when `n` is 0.

    Args:
        successes: rows counted as positive.
        n: rows in the denominator.
        level: confidence level.

    Returns:
        The proportion with `ci_method="wilson"`.
    """
    if n == 0:
        return MetricValue(value=None, n=0, undefined_reason="no rows with a label in group")
    low, high = metrics_wilson(np.array([successes]), np.array([n]), level)
    return MetricValue(
        value=successes / n,
        ci_low=float(low[0]),
        ci_high=float(high[0]),
        ci_level=level,
        ci_method="wilson",
        n=n,
    )
