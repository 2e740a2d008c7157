"""`cardgen demo`: the embedded UCI Adult example, end to end, with no network.

It prepares a project folder (data, a scikit-learn model saved with skops, the example
specs) and runs `cardgen build` on it; it never touches files outside that folder.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd

from ._io import atomic_write_bytes
from ._resources import data_dir, examples_dir
from .build import BuildReport, Progress, build
from .errors import CardgenError

ADULT_COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education-num",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital-gain",
    "capital-loss",
    "hours-per-week",
    "native-country",
    "income",
]
NUMERIC = ["age", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
CATEGORICAL = ["workclass", "education", "marital-status", "occupation", "relationship"]
"""Model inputs. Race, sex and native-country are kept only to disaggregate the results."""


def read_adult(split: str) -> pd.DataFrame:
    """The shipped Adult split (`train` or `test`) with clean labels (`>50K`, `<=50K`)."""
    filename = {"train": "adult.data.gz", "test": "adult.test.gz"}[split]
    with gzip.open(data_dir() / "adult" / filename, "rt", encoding="utf-8") as fh:
        frame = pd.read_csv(
            fh, sep=",", skipinitialspace=True, na_values="?", keep_default_na=False
        )
    frame.columns = ADULT_COLUMNS
    # The test split's labels end with a period in the source ("<=50K.").
    frame["income"] = frame["income"].str.rstrip(".")
    return frame


def train_model(train: pd.DataFrame, path: Path) -> None:
    """Fit the example classifier and save it with skops (no pickle)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from skops import io as sio

    # A missing category is a category of its own to the encoder: the data keeps it missing,
    # so that the data card counts it as missing.
    features = ColumnTransformer(
        [
            ("numeric", StandardScaler(), NUMERIC),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    model = Pipeline([("features", features), ("classifier", LogisticRegression(max_iter=2000))])
    model.fit(train[NUMERIC + CATEGORICAL], train["income"])
    atomic_write_bytes(path, sio.dumps(model))


def prepare(out: Path, say: Progress) -> None:
    """Lay out the demo project in `out`: data, model and specs (each only once)."""
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    train_csv, test_csv = data / "adult-train.csv", data / "adult-test.csv"
    notice = data_dir() / "adult" / "NOTICE"
    if not (data / "NOTICE").exists():
        shutil.copyfile(notice, data / "NOTICE")
    if not train_csv.exists() or not test_csv.exists():
        say("writing the UCI Adult data (CC BY 4.0, see data/NOTICE)")
        for split, target in (("train", train_csv), ("test", test_csv)):
            # Missing values (the source's "?") are written as empty fields: missing.
            frame = read_adult(split)
            atomic_write_bytes(target, frame.to_csv(index=False).encode("utf-8"))
    model = out / "models" / "adult-income.skops"
    if not model.exists():
        say("training the example classifier (logistic regression, scikit-learn)")
        train_model(pd.read_csv(train_csv), model)
    cards = out / "cards"
    cards.mkdir(exist_ok=True)
    for spec in sorted(examples_dir().glob("*.yaml")):
        target = cards / spec.name
        if not target.exists():
            shutil.copyfile(spec, target)


def demo(
    out: str | Path = "cardgen-demo",
    *,
    site: bool = True,
    progress: bool = True,
    say: Progress = lambda message: None,
) -> BuildReport:
    """Run the embedded example: data, model, run, evaluate, profile, cards and site.

    Args:
        out: the demo project folder (created; existing files are reused, so a second
            run does no work).
        site: also build the static site.
        progress: show progress bars.
        say: receives one line per step.

    Returns:
        The build report (the example's four-fifths-rule test is expected to fail: the
        model selects women far less often than men).

    Raises:
        CardgenError: `out` exists and is not a folder, or a step failed.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CardgenError(f"{out}: exists and is not a directory")
    prepare(out, say)
    return build(
        "cards",
        root=out,
        out="build/cards",
        site_project="site-project" if site else None,
        progress=progress,
        say=say,
    )
