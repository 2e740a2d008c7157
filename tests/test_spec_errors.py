"""Every kind of bad spec gives exit code 1 and one located line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cardgen.cli import cli
from cardgen.errors import SpecError
from cardgen.spec import MAX_NODES, load_spec

GOOD_HEAD = "kind: model\nname: demo\n"

# (case id, file content, expected "line:column: path: message" fragment)
BAD_SPECS = [
    (
        "bad-yaml",
        GOOD_HEAD + "summary: [unclosed\n",
        # Located where the list opens, not at the end of the file where the parser gave up.
        ":3:10: YAML syntax: while parsing a flow sequence that starts here: expected ',' or ']'",
    ),
    (
        "tab-indent",
        GOOD_HEAD + "model_details:\n\tversion: 1\n",
        ":4:1: YAML syntax: tab character: YAML is indented with spaces, not tabs",
    ),
    (
        "wrong-type",
        GOOD_HEAD + "model_details:\n  developers: {lead: ann}\n",
        ":4:15: model_details.developers: Input should be a valid list",
    ),
    (
        "unknown-field",
        GOOD_HEAD + "intended_use:\n  primary_usess: [x]\n",
        ":4:3: intended_use.primary_usess: unknown field 'primary_usess'; "
        "did you mean 'primary_uses'?",
    ),
    (
        "missing-required",
        "kind: model\nsummary: no name\n",
        ":1:1: name: missing required field 'name'",
    ),
    (
        "bad-date",
        GOOD_HEAD + "model_details:\n  date: 2024-02-30\n",
        ":4:9: model_details.date: Input should be a valid date or datetime, day value is "
        "outside expected range (expected a date as YYYY-MM-DD), got '2024-02-30'",
    ),
    ("empty-file", "", ": file is empty; expected a mapping"),
    ("comments-only", "# nothing yet\n", ": file is empty; expected a mapping"),
    (
        "not-a-mapping",
        "- a\n- b\n",
        ":1:1: expected a mapping of fields at the top level, got list",
    ),
    (
        "bad-kind",
        "kind: modle\nname: x\n",
        ":1:7: kind: `kind` must be `model`, `data` or `governance`, got 'modle'",
    ),
    (
        "duplicate-key",
        GOOD_HEAD + "summary: a\nsummary: b\n",
        ":4:1: YAML syntax: duplicate key 'summary'",
    ),
    (
        "unsafe-tag",
        GOOD_HEAD + "summary: !!python/object:os.system x\n",
        ":3:10: YAML syntax: could not determine a constructor for the tag",
    ),
    (
        "several-documents",
        GOOD_HEAD + "---\nkind: data\n",
        ":3:1: YAML syntax: expected a single document in the stream: but found another document",
    ),
    (
        "unquoted-colon",
        GOOD_HEAD + "intended_use:\n  primary_uses:\n    - Note: quote me\n",
        ":5:7: intended_use.primary_uses[0]: Input should be a valid string but got a mapping",
    ),
]


@pytest.mark.parametrize(
    ("content", "expected"), [c[1:] for c in BAD_SPECS], ids=[c[0] for c in BAD_SPECS]
)
def test_bad_spec_gives_one_located_line_and_exit_1(
    tmp_path: Path, content: str, expected: str
) -> None:
    spec = tmp_path / "card.yaml"
    spec.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(spec)])
    assert result.exit_code == 1
    problem_lines = [line for line in result.stderr.splitlines() if line.startswith(str(spec))]
    assert len(problem_lines) == 1, result.stderr
    assert problem_lines[0].startswith(str(spec) + expected), problem_lines[0]
    assert "Traceback" not in result.output + result.stderr


def test_deep_type_errors_are_all_reported_with_positions(tmp_path: Path) -> None:
    spec = tmp_path / "card.yaml"
    spec.write_text(
        GOOD_HEAD
        + """\
evaluation_data:
  datasets:
    - name: ok
    - name: [not, a, string]
    - split: test
quantitative_analyses:
  evaluations:
    - name: e
      task: binary
      groups:
        - features: {race: A}
          n: -3
          metrics:
            accuracy: {value: 0.5, ci_low: 0.7, ci_high: 0.6}
""",
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as info:
        load_spec(spec)
    lines = [str(p).removeprefix(str(spec)) for p in info.value.problems]
    assert lines == [
        ":6:13: evaluation_data.datasets[1].name: Input should be a valid string",
        ":7:7: evaluation_data.datasets[2].name: missing required field 'name'",
        ":14:14: quantitative_analyses.evaluations[0].groups[0].n: "
        "Input should be greater than or equal to 0, got -3",
        ":16:23: quantitative_analyses.evaluations[0].groups[0].metrics.accuracy: "
        "ci_low (0.7) is above ci_high (0.6)",
    ]


def test_binary_file_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "model.yaml"
    spec.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = CliRunner().invoke(cli, ["validate", str(spec)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"{spec}: binary file (NUL byte at offset 8); expected UTF-8 YAML text"
    )


def test_non_utf8_text_names_line_and_column(tmp_path: Path) -> None:
    spec = tmp_path / "model.yaml"
    spec.write_bytes(GOOD_HEAD.encode() + b"summary: caf\xe9\n")
    result = CliRunner().invoke(cli, ["validate", str(spec)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"{spec}:3:13: not valid UTF-8 (byte 0xe9); save the spec as UTF-8"
    )


def test_twenty_megabyte_file_is_refused_without_parsing(tmp_path: Path) -> None:
    spec = tmp_path / "huge.yaml"
    spec.write_bytes(GOOD_HEAD.encode() + b"summary: " + b"x" * (20 * 1024 * 1024) + b"\n")
    result = CliRunner().invoke(cli, ["validate", str(spec)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"{spec}: file is 21.0 MB; a spec is hand-written YAML "
        "of at most 5 MB (did you pass a data file?)"
    )


def test_directory_given_as_spec_file(tmp_path: Path) -> None:
    folder = tmp_path / "model.yaml"
    folder.mkdir()
    with pytest.raises(SpecError, match=r"model\.yaml: is a directory; expected a spec file"):
        load_spec(folder)


def test_folder_without_specs_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path}: folder holds no spec files (*.yaml, *.yml)" in result.stderr


def test_yaml_bomb_is_stopped_before_it_expands(tmp_path: Path) -> None:
    # Nine levels of nine aliases expand to 9**9 (387 million) strings.
    lines = [GOOD_HEAD.rstrip("\n"), "extra:", '  a0: &a0 ["lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"  a{level}: &a{level} [{refs}]")
    spec = tmp_path / "bomb.yaml"
    spec.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(spec)])
    assert result.exit_code == 1
    assert f"more than {MAX_NODES:,} values after expanding anchors and aliases" in result.stderr
    assert result.stderr.count("\n") == 1


def test_recursive_alias_is_stopped(tmp_path: Path) -> None:
    spec = tmp_path / "loop.yaml"
    spec.write_text(GOOD_HEAD + "extra: &loop\n  again: *loop\n", encoding="utf-8")
    with pytest.raises(SpecError, match="nested more than 64 levels deep"):
        load_spec(spec)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.yaml'}: no such file or directory"
    assert "checked" not in result.output


def test_every_problem_in_a_file_is_listed(tmp_path: Path) -> None:
    spec = tmp_path / "card.yaml"
    spec.write_text(
        "kind: model\nname: bad name\nsumary: x\nmodel_details:\n  date: soon\n", encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["validate", str(spec)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{spec}:2:7: name: invalid name: use letters, digits, '.', '_' and '-' "
        "(it becomes a file name), at most 128 characters, got 'bad name'",
        f"{spec}:3:1: sumary: unknown field 'sumary'; did you mean 'summary'? "
        "(free-form additions go under `extra:`)",
        f"{spec}:5:9: model_details.date: Input should be a valid date or datetime, input is "
        "too short (expected a date as YYYY-MM-DD), got 'soon'",
    ]
