"""Cards bound to their model files: SHA-256 digests on the card and in both BOMs, drift
warnings from validate and build, errors located at the spec line, and signatures made
and checked with OpenSSF model signing (keys generated here), pushed with the card."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hubserver import FAIR, HubServer

from cardgen.binding import signed_files
from cardgen.cli import cli
from cardgen.merge import load_card
from cardgen.render import render

SPEC = """\
kind: model
name: bound
summary: A model whose card names its files.
model_files:
  - ../model/*.bin
  - ../model/config.json
"""


def _project(root: Path) -> Path:
    (root / "model" / "shards").mkdir(parents=True)
    (root / "model" / "weights-1.bin").write_bytes(b"\x00\x01" * 50_000)
    (root / "model" / "weights-2.bin").write_bytes(b"second shard")
    (root / "model" / "config.json").write_text('{"layers": 2}\n')
    (root / "model" / "shards" / "ignored.bin").write_bytes(b"not named by the spec")
    spec = root / "cards" / "bound.yaml"
    spec.parent.mkdir()
    spec.write_text(SPEC, encoding="utf-8")
    return spec


def _build(root: Path, *extra: str) -> object:
    return CliRunner().invoke(
        cli,
        ["build", "--cards", str(root / "cards"), "--out", str(root / "out"), "--no-site", *extra],
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    _project(tmp_path)
    return tmp_path


def _sha256sum(path: Path) -> str:
    out = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True)
    return out.stdout.split()[0]


def test_build_records_each_model_files_sha256_on_the_card_and_in_both_boms(
    project: Path,
) -> None:
    result = _build(project, "--bom", "cyclonedx", "--bom", "spdx")
    assert result.exit_code == 0, result.output
    card = load_card(project / "cards" / "bound.yaml", project)
    files = {f.name: f for f in card.file_digests}
    assert sorted(files) == ["config.json", "weights-1.bin", "weights-2.bin"]
    for name, digest in files.items():
        path = project / "model" / name
        assert digest.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() == _sha256sum(path)
        assert digest.size == path.stat().st_size
        assert digest.path == f"../model/{name}"
    readme = (project / "out" / "bound" / "README.md").read_text()
    assert "## Files this card describes" in readme
    for name, digest in files.items():
        assert f"| {name} | {digest.size:,} | `{digest.sha256}` |" in readme
    page = render(card, "page")
    assert "## Files this card describes" in page and files["config.json"].sha256 in page
    cdx = json.loads((project / "out" / "bound" / "bom.cdx.json").read_text())
    hashes = {
        c["name"]: c["hashes"][0]["content"] for c in cdx["metadata"]["component"]["components"]
    }
    assert hashes == {name: d.sha256 for name, d in files.items()}
    spdx = json.loads((project / "out" / "bound" / "bom.spdx.json").read_text())
    spdx_files = {
        e["name"]: e["verifiedUsing"][0]["hashValue"]
        for e in spdx["@graph"]
        if e.get("type") == "software_File"
    }
    assert spdx_files == hashes


def test_a_card_without_model_files_has_no_files_section(project: Path) -> None:
    spec = project / "cards" / "bound.yaml"
    spec.write_text(SPEC.split("model_files:")[0], encoding="utf-8")
    assert _build(project).exit_code == 0
    assert "Files this card describes" not in (project / "out" / "bound" / "README.md").read_text()


def test_a_glob_matching_nothing_is_an_error_at_its_line(project: Path) -> None:
    spec = project / "cards" / "bound.yaml"
    spec.write_text(SPEC + "  - ../model/*.safetensors\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(spec)])
    assert result.exit_code == 1
    assert (
        f"{spec}:7:5: model_files[2]: ../model/*.safetensors: the pattern matches no file"
        in result.output
    )
    built = _build(project)
    assert built.exit_code == 1
    assert f"{spec}:7:5: model_files[2]" in built.output
    assert not (project / "out").exists()


def test_validate_and_build_warn_when_a_file_changes(project: Path) -> None:
    spec = project / "cards" / "bound.yaml"
    assert _build(project).exit_code == 0
    quiet = CliRunner().invoke(cli, ["validate", str(spec)])
    assert quiet.exit_code == 0 and "warning" not in quiet.output
    weights = project / "model" / "weights-2.bin"
    before = _sha256sum(weights)
    weights.write_bytes(b"retrained")
    after = _sha256sum(weights)
    warned = CliRunner().invoke(cli, ["validate", str(spec)])
    assert warned.exit_code == 0
    assert (
        f"warning: {spec}: ../model/weights-2.bin: changed since the card recorded it "
        f"(sha256 {before} on the card, {after} on disk)"
    ) in warned.output
    (project / "model" / "weights-3.bin").write_bytes(b"a new shard")
    added = CliRunner().invoke(cli, ["validate", str(spec)])
    assert "../model/weights-3.bin: not on the card" in added.output
    rebuilt = _build(project)
    assert rebuilt.exit_code == 0
    assert f"warning: {spec}: ../model/weights-2.bin: changed since the card recorded it" in (
        rebuilt.output
    )
    assert "the card now records the file as it is" in rebuilt.output
    card = load_card(spec, project)
    assert {f.name: f.sha256 for f in card.file_digests}["weights-2.bin"] == after
    assert "warning" not in CliRunner().invoke(cli, ["validate", str(spec)]).output
    again = _build(project)
    assert "warning" not in again.output and "0 files written" in again.output


def test_run_records_the_model_files_it_loaded_and_build_binds_the_card_to_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sklearn.linear_model import LogisticRegression
    from skops import io as sio

    monkeypatch.chdir(tmp_path)
    data = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0] * 10, "y": [0, 0, 1, 1] * 10})
    data.to_csv(tmp_path / "test.csv", index=False)
    model = tmp_path / "models" / "tiny.skops"
    model.parent.mkdir()
    model.write_bytes(sio.dumps(LogisticRegression().fit(data[["x"]], data["y"])))
    spec = tmp_path / "cards" / "tiny.yaml"
    spec.parent.mkdir()
    spec.write_text(
        "kind: model\nname: tiny\nsources:\n  run:\n    - model: ../models/tiny.skops\n"
        "      data: ../test.csv\n      label_column: y\n      output: ../preds.parquet\n",
        encoding="utf-8",
    )
    result = _build(tmp_path)
    assert result.exit_code == 0, result.output
    sidecar = json.loads((tmp_path / "preds.parquet.provenance.json").read_text())
    (loaded,) = sidecar["run"]["model_files"]
    assert loaded["sha256"] == _sha256sum(model)
    (digest,) = load_card(spec, tmp_path).file_digests
    assert (digest.name, digest.path, digest.sha256) == (
        "tiny.skops",
        "../models/tiny.skops",
        _sha256sum(model),
    )


def _keys(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    private, public = folder / "signing.pem", folder / "signing.pub"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def test_sign_and_verify_round_trip_and_a_tampered_file_is_named(project: Path) -> None:
    spec = project / "cards" / "bound.yaml"
    assert _build(project).exit_code == 0
    private, public = _keys(project)
    runner = CliRunner()
    signed = runner.invoke(cli, ["sign", str(spec), "--key", str(private)])
    assert signed.exit_code == 0, signed.output
    signature = Path(".cardgen") / "bound" / "model.sig"
    assert f"signed 4 files: {signature}" in signed.output
    assert "BEGIN" not in signed.output
    listed = signed_files(signature)
    readme = render(load_card(spec, project), "hub").encode()
    assert listed == {
        "README.md": hashlib.sha256(readme).hexdigest(),
        "config.json": _sha256sum(project / "model" / "config.json"),
        "weights-1.bin": _sha256sum(project / "model" / "weights-1.bin"),
        "weights-2.bin": _sha256sum(project / "model" / "weights-2.bin"),
    }
    ok = runner.invoke(cli, ["verify-signature", str(spec), "--key", str(public)])
    assert ok.exit_code == 0, ok.output
    assert ok.output == f"{signature}: valid for 4 files\n"
    # another key does not verify it
    _, other = _keys(project / "model" / "shards")
    wrong = runner.invoke(cli, ["verify-signature", str(spec), "--key", str(other)])
    assert wrong.exit_code == 1
    assert "the signature does not verify with" in wrong.output
    # a changed model file fails, named with both digests
    weights = project / "model" / "weights-1.bin"
    before = _sha256sum(weights)
    weights.write_bytes(b"tampered")
    tampered = runner.invoke(cli, ["verify-signature", str(spec), "--key", str(public)])
    assert tampered.exit_code == 1
    assert (
        f"error: weights-1.bin: changed (signed sha256 {before}, now {_sha256sum(weights)})"
        in tampered.output
    )
    assert "README.md" not in tampered.output
    # signing refuses files that no longer match the card
    refused = runner.invoke(cli, ["sign", str(spec), "--key", str(private)])
    assert refused.exit_code == 1
    assert "model files differ from the card; run `cardgen build` first" in refused.output


def test_a_changed_card_fails_verification_with_the_readme_named(project: Path) -> None:
    spec = project / "cards" / "bound.yaml"
    assert _build(project).exit_code == 0
    private, public = _keys(project)
    assert CliRunner().invoke(cli, ["sign", str(spec), "--key", str(private)]).exit_code == 0
    spec.write_text(SPEC.replace("names its files", "claims something else"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["verify-signature", str(spec), "--key", str(public)])
    assert result.exit_code == 1
    assert "error: README.md: changed (signed sha256" in result.output


def test_sign_needs_recorded_model_files(project: Path) -> None:
    spec = project / "cards" / "bound.yaml"
    private, _ = _keys(project)
    result = CliRunner().invoke(cli, ["sign", str(spec), "--key", str(private)])
    assert result.exit_code == 1
    assert "the card records no model files" in result.output


def test_push_uploads_the_signature_and_refuses_a_stale_one(
    hub: HubServer, hub_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_SENTINELbinding0123456789")
    spec = _project(hub_project)
    assert _build(hub_project).exit_code == 0
    private, _ = _keys(hub_project)
    runner = CliRunner()
    assert runner.invoke(cli, ["sign", str(spec), "--key", str(private)]).exit_code == 0
    pushed = runner.invoke(cli, ["push", str(spec), "--repo-id", FAIR, "--endpoint", hub.url])
    assert pushed.exit_code == 0, pushed.output
    (commit,) = hub.commits
    signature = hub_project / ".cardgen" / "bound" / "model.sig"
    assert commit.files["model.sig"] == signature.read_bytes()
    assert (
        hashlib.sha256(commit.files["README.md"]).hexdigest()
        == (signed_files(signature)["README.md"])
    )
    spec.write_text(SPEC.replace("names its files", "changed since signing"), encoding="utf-8")
    stale = runner.invoke(cli, ["push", str(spec), "--repo-id", FAIR, "--endpoint", hub.url])
    assert stale.exit_code == 1
    assert "does not cover README.md as rendered now; run `cardgen sign` again" in stale.output
    assert len(hub.commits) == 1


def test_the_signature_verifies_on_a_plain_clone_of_the_repository(project: Path) -> None:
    """OpenSSF model signing's own verifier accepts the signature on the files as a Hub
    repository holds them (copies, not cardgen's staging), with model.sig beside them."""
    import model_signing

    from cardgen.hub.push import hub_files

    spec = project / "cards" / "bound.yaml"
    assert _build(project).exit_code == 0
    private, public = _keys(project)
    assert CliRunner().invoke(cli, ["sign", str(spec), "--key", str(private)]).exit_code == 0
    card = load_card(spec, project)
    clone = project / "clone"
    for name, text in hub_files(card).items():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        (clone / name).write_text(text, encoding="utf-8")
    for digest in card.file_digests:
        (clone / digest.name).write_bytes((project / "model" / digest.name).read_bytes())
    (clone / "model.sig").write_bytes((project / ".cardgen" / "bound" / "model.sig").read_bytes())
    verifier = (
        model_signing.verifying.Config()
        .use_elliptic_key_verifier(public_key=public)
        .set_ignore_unsigned_files(True)
    )
    verifier.verify(clone, clone / "model.sig")
    (clone / "config.json").write_text('{"layers": 3}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"config\.json"):
        model_signing.verifying.Config().use_elliptic_key_verifier(
            public_key=public
        ).set_ignore_unsigned_files(True).verify(clone, clone / "model.sig")
