"""The ``tabkd`` command line, run in process on a tiny CSV with ``--fast``.

``--fast`` (hidden) swaps in a one-member teacher and a small student, so a
whole ``tabkd distill`` takes about a second; it checks the path from a CSV
to a saved model, not the numbers.
"""

import json
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest

from tabkd import StudentPredictor
from tabkd._cli import main


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 160
    frame = pd.DataFrame({
        "age": rng.integers(18, 70, n).astype(float),
        "income": rng.lognormal(3, 1, n),
        "city": rng.choice(["paris", "lyon", "nice"], n),
    })
    frame.loc[rng.choice(n, 10, replace=False), "age"] = np.nan
    frame["label"] = np.where(frame["income"] + rng.normal(0, 10, n) > 25,
                              "yes", "no")
    path = tmp_path_factory.mktemp("data") / "tiny.csv"
    frame.to_csv(path, index=False)
    return path


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _strict_json(text):
    # JSON has no NaN; Python's parser would accept it silently.
    def reject(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=reject)


def test_distill_prints_table_and_saves(csv_path, tmp_path, capsys):
    out_file, export_dir = tmp_path / "model.joblib", tmp_path / "student"
    code, out, err = _run(capsys, "distill", "--data", str(csv_path), "--target",
                          "label", "--fast", "--out", str(out_file),
                          "--export", str(export_dir))
    assert code == 0, err
    for name in ["teacher (ensemble)", "distilled student", "hard-label student"]:
        assert name in out
    assert "saved the fitted estimator" in out
    # Progress goes to stderr: stage lines and the teacher-fit bar.
    assert "[tabkd] fitting the teacher" in err
    assert "teacher fits" in err
    assert "Traceback" not in err

    model = joblib.load(out_file)
    X = pd.read_csv(csv_path).drop(columns="label")
    X["city"] = X["city"].astype("category")
    predictor = StudentPredictor.load(export_dir)
    np.testing.assert_allclose(predictor.predict_proba(X), model.predict_proba(X),
                               atol=1e-6)


def test_column_warning_is_shown_once(tmp_path, capsys):
    # An ID-like column is reported when the model is fitted; the hard-label
    # twin that reads the same table does not repeat it.
    rng = np.random.default_rng(1)
    n = 200
    frame = pd.DataFrame({
        # Mostly unique, a few repeats: identifier-like but not empty.
        "customer": [f"c{i:04d}" for i in rng.integers(0, 400, n)],
        "income": rng.lognormal(3, 1, n),
    })
    frame["label"] = np.where(frame["income"] > 20, "yes", "no")
    path = tmp_path / "ids.csv"
    frame.to_csv(path, index=False)
    code, _, err = _run(capsys, "distill", "--data", str(path), "--target",
                        "label", "--fast")
    assert code == 0, err
    assert err.count("looks like an identifier") == 1, err


def test_distill_json_is_strict_json_and_nothing_else(csv_path, capsys):
    code, out, err = _run(capsys, "distill", "--data", str(csv_path), "--target",
                          "label", "--fast", "--json")
    assert code == 0, err
    result = _strict_json(out)
    assert result["classes"] == ["no", "yes"]
    assert result["n_train"] + result["n_test"] == 160
    assert [row["model"] for row in result["rows"]] == [
        "teacher (ensemble)", "distilled student", "hard-label student"]
    assert {"edge_recovered_accuracy", "latency_ratio_1row"} <= set(result["summary"])
    assert result["saved_to"] is None
    assert "[tabkd]" not in err


@pytest.mark.parametrize("argv, message", [
    (["--data", "{missing}", "--target", "label"], "does not exist"),
    (["--data", "{csv}", "--target", "nope"], "Target column 'nope' not found"),
    (["--data", "{csv}", "--target", "income"], "Is the target continuous?"),
    (["--data", "{csv}", "--target", "label", "--out", "{tmp}/no/such/m.joblib"],
     "does not exist"),
    (["--data", "{csv}", "--target", "label", "--out", "{tmp}"], "is a directory"),
    (["--dataset", "no_such_dataset"], "Unknown dataset"),
])
def test_errors_are_one_line_exit_1(argv, message, csv_path, tmp_path, capsys):
    argv = [a.format(csv=csv_path, tmp=tmp_path, missing=tmp_path / "x.csv")
            for a in argv]
    code, out, err = _run(capsys, "distill", "--fast", *argv)
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tabkd: error: "), err
    assert message in lines[0]


def test_output_paths_are_checked_before_fitting(csv_path, tmp_path, capsys):
    code, _, err = _run(capsys, "distill", "--data", str(csv_path), "--target",
                        "label", "--out", str(tmp_path / "no" / "m.joblib"))
    assert code == 1
    assert "fitting" not in err


@pytest.mark.parametrize("argv, message", [
    (["--data", "x.csv"], "--data needs --target"),
    (["--target", "label"], "--target goes with --data"),
    (["--data", "x.csv", "--target", "y", "--dataset", "wine"], "not both"),
    (["--n-synthetic", "lots"], "expected a count"),
    (["--test-size", "1.5"], "between 0 and 1"),
    (["--cv", "0"], "positive integer"),
    (["--augmentation", "smote"], "invalid choice"),
])
def test_bad_arguments_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["distill", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    # The usage line shown is the subcommand's, which lists these options.
    assert err.startswith("usage: ") and "distill" in err.splitlines()[0]


def test_debug_shows_the_exception(tmp_path):
    with pytest.raises(FileNotFoundError):
        main(["distill", "--data", str(tmp_path / "x.csv"), "--target", "y",
              "--debug"])


@pytest.mark.parametrize("command", [[], ["distill"], ["datasets"]])
def test_help_is_complete(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: tabkd" in out
    if command == ["distill"]:
        for option in ["--data", "--target", "--dataset", "--out", "--export",
                       "--json", "--debug", "--n-synthetic", "--cv"]:
            assert option in out
        # Hidden test flag stays out of the help.
        assert "--fast" not in out
        assert "(default: None)" not in out
    if not command:
        assert "distill" in out and "datasets" in out and "examples:" in out


def test_no_command_prints_help(capsys):
    code, out, _ = _run(capsys)
    assert code == 0 and "COMMAND" in out


def test_datasets(capsys):
    code, out, _ = _run(capsys, "datasets")
    assert code == 0 and "credit_data" in out
    code, out, _ = _run(capsys, "datasets", "--json")
    names = [entry["name"] for entry in _strict_json(out)]
    assert code == 0 and "credit_data" in names


def test_python_dash_m_tabkd():
    result = subprocess.run([sys.executable, "-m", "tabkd", "--version"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("tabkd ")


def test_teacher_options_reach_the_estimator(csv_path, tmp_path, capsys):
    from tabkd._cli import _build_parser

    args = _build_parser().parse_args(
        ["distill", "--teacher", "selection", "--teacher-members", "extended"])
    assert (args.teacher, args.teacher_members, args.bagging) == (
        "selection", "extended", False)
    # --fast swaps the members for one quick model but keeps bagging.
    out_file = tmp_path / "model.joblib"
    code, _, err = _run(capsys, "distill", "--data", str(csv_path), "--target",
                        "label", "--fast", "--bagging", "--out", str(out_file))
    assert code == 0, err
    model = joblib.load(out_file)
    assert model.teacher_bagging is True
    assert all(type(m).__name__ == "_BaggedMember" for m in model.teacher_.members)
