"""The evaluation grid end to end: headless takes through the live engine, the raw sampler,
the CLI's outputs and its one-line errors; one slow test with a tiny exported model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from musicai.live.encoding import NoteEvent, Vocabulary
from musicai.live.errors import SamplerError
from musicai.live.inference.predictor import TheoryOnlyPredictor
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.theory.keys import Key
from musicai.training import eval_cli
from musicai.training.evaluation.grid import BEFORE, NO_DIRECTION, RAW, THEORY_ONLY, grid
from musicai.training.evaluation.metrics import REST
from musicai.training.evaluation.takes import MarkingSampler, RawSampler, play, softmax_draw

DATA = Path(__file__).parents[2] / "data" / "melodies"
BAR = 1920


class PeakedPredictor:
    """A 'model' that is sure of one note and one duration: middle C, a quarter."""

    name = "peaked"

    def __init__(self) -> None:
        self.vocab = Vocabulary()
        self.pitch = np.full(self.vocab.n_pitches, -30.0, np.float32)
        self.pitch[self.vocab.pitch_id(60)] = 0.0
        self.duration = np.full(self.vocab.n_durations, -30.0, np.float32)
        self.duration[self.vocab.duration_id(480)] = 0.0
        self.committed: list[NoteEvent] = []

    def predict(self, harmony: int, instrument: int = 0, onset: int | None = None):
        return self.pitch, self.duration

    def commit(self, event: NoteEvent, onset: int | None = None) -> None:
        self.committed.append(event)

    def reset(self) -> None:
        self.committed = []


def test_softmax_draw_follows_the_logits_and_the_temperature():
    rng = np.random.default_rng(0)
    assert softmax_draw(np.array([0.0, 50.0, 0.0]), 1.0, rng) == 1
    draws = [softmax_draw(np.log([0.9, 0.1]), 1.0, rng) for _ in range(2000)]
    assert np.mean(draws) == pytest.approx(0.1, abs=0.03)
    hot = [softmax_draw(np.log([0.9, 0.1]), 100.0, rng) for _ in range(2000)]
    assert np.mean(hot) == pytest.approx(0.5, abs=0.05)


def test_raw_takes_are_the_model_alone():
    """The theory sampler would cap a repeated pitch at 3; the raw sampler adds nothing."""
    predictor = PeakedPredictor()
    sampler = RawSampler(SamplerSettings(key="C major"), predictor.vocab, seed=1)
    take = play(predictor, sampler, bars=2)
    assert take.pitches.tolist() == [60] * 8
    assert take.durations.tolist() == [480] * 8
    assert take.cadences is None
    assert [e.harmony for e in predictor.committed[:5:4]] == [0b000010010001,  # C E G
                                                            0b100010000100]  # G B D (V)
    with pytest.raises(SamplerError, match="no setting"):
        sampler.apply("key", "D major")


def test_theory_takes_cap_repeats_mark_cadences_and_repeat_with_the_seed():
    predictor = PeakedPredictor()
    take = play(predictor, MarkingSampler(SamplerSettings(), predictor.vocab, 3), bars=4)
    notes = take.pitches[take.pitches != REST]
    assert 60 in notes and len(set(notes.tolist())) > 1
    assert take.cadences is not None and take.cadences.size == take.pitches.size
    assert take.cadences.any()
    again = play(predictor, MarkingSampler(SamplerSettings(), predictor.vocab, 3), bars=4)
    assert again.pitches.tolist() == take.pitches.tolist()


def test_takes_fill_the_bars_asked_for():
    take = play(TheoryOnlyPredictor(), MarkingSampler(SamplerSettings(), Vocabulary(), 0), 3)
    onsets = np.concatenate([[0], np.cumsum(take.durations)[:-1]])
    assert onsets[-1] < 3 * BAR <= take.durations.sum()


def test_grid_has_raw_and_theory_sources_per_model_and_directions_only_with_theory():
    keys = [Key.parse("C major"), Key.parse("A minor")]
    cells = grid(["m/default.onnx"], keys, [0.5, 1.0])
    names = list(dict.fromkeys(c.source.name for c in cells))
    assert names == ["default raw", "default + theory", "default + theory, repeat 0", THEORY_ONLY]
    raw = [c for c in cells if c.source.kind == RAW]
    assert len(raw) == 4 and {c.direction for c in raw} == {NO_DIRECTION}
    before = [c for c in cells if c.source.kind == BEFORE]
    assert len(before) == 4 and {c.settings().repeat for c in before} == {0.0}
    assert len(cells) == 4 + 4 + 2 * 12
    assert len({c.seed(0) for c in cells if c.source.name == THEORY_ONLY}) == 12


def run_cli(capsys, *args: str) -> tuple[int, str]:
    code = eval_cli.main(list(args))
    return code, capsys.readouterr().err


def small_args(tmp_path: Path, *extra: str) -> list[str]:
    return ["--data", str(DATA), "--cache", str(tmp_path / "cache"), "--bars", "4",
            "--keys", "C major", "--temperatures", "1.0", "--out", str(tmp_path / "out"),
            "--quiet", *extra]


def test_cli_theory_only_with_a_missing_model_writes_everything(tmp_path, capsys):
    history = tmp_path / "history-tiny.csv"
    history.write_text("epoch,loss,val_loss,pitch_acc,val_pitch_acc\n0,3.0,3.1,0.1,0.1\n"
                       "1,2.5,2.7,0.2,0.15\n")
    bench = tmp_path / "bench.npz"
    np.savez(bench, jitter_engine=np.abs(np.random.default_rng(0).normal(0, 1e-4, 500)))
    code, err = run_cli(capsys, "--models", str(tmp_path / "absent.onnx"),
                        *small_args(tmp_path, "--history", str(history), "--bench", str(bench)))
    assert code == 0, err
    assert f"skip {tmp_path / 'absent.onnx'}: no such model file" in err
    assert "Traceback" not in err
    out = tmp_path / "out"
    for name in ("RESULTS.md", "pc-theory-only.png", "pc-human.png", "intervals.png",
                 "history.png", "bench.png", "summary.json"):
        assert (out / name).stat().st_size > 0, name
    text = (out / "RESULTS.md").read_text()
    assert "| theory only | 1.0 |" in text and "human (held out)" in text
    summary = json.loads((out / "summary.json").read_text())["summary"]
    assert [row["source"] for row in summary] == [THEORY_ONLY, "human (held out)"]
    assert summary[0]["in_key"] > 0.9
    assert not list(out.glob("*.tmp"))


def test_cli_bad_values_are_one_line_and_status_2(tmp_path, capsys):
    code, err = run_cli(capsys, "--models", "none", *small_args(tmp_path), "--keys", "H major")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "unknown key" in err
    code, err = run_cli(capsys, "--models", "none", *small_args(tmp_path),
                        "--temperatures", "0")
    assert code == 2 and "temperature" in err
    assert not (tmp_path / "out").exists()


def test_cli_without_reference_data_goes_on(tmp_path, capsys):
    code, err = run_cli(capsys, "--models", "none", *small_args(tmp_path),
                        "--data", str(tmp_path / "nowhere"))
    assert code == 0
    assert "no human reference" in err and "nowhere" in err
    assert "human" not in (tmp_path / "out" / "summary.json").read_text()


@pytest.mark.slow
def test_cli_with_a_tiny_exported_model(tmp_path, capsys):
    from musicai.export.convert import ExportOptions, export
    from musicai.training.config import make_config
    from musicai.training.quiet import import_keras_quietly
    from musicai.training.train import train

    import_keras_quietly()
    train(DATA, tmp_path / "ck", make_config("stream", "tiny", epochs=1),
          cache_dir=tmp_path / "cache", verbose=0)
    model = tmp_path / "tiny.onnx"
    export(tmp_path / "ck", model, ExportOptions())
    capsys.readouterr()
    code, err = run_cli(capsys, "--models", str(model), *small_args(tmp_path))
    assert code == 0, err
    rows = json.loads((tmp_path / "out" / "summary.json").read_text())
    sources = [row["source"] for row in rows["summary"]]
    assert sources == ["tiny raw", "tiny + theory", "tiny + theory, repeat 0", THEORY_ONLY,
                       "human (held out)"]
    human = rows["summary"][-1]
    assert 0.0 <= human["recur_exact"] <= human["recurrence"] <= 1.0  # the form measures
    assert (tmp_path / "out" / "piano-rolls.png").is_file()
    assert {row["source"] for row in rows["directions"]} >= {"tiny + theory", THEORY_ONLY}
    assert (tmp_path / "out" / "pc-tiny-raw.png").is_file()
    twelve = rows["all_keys"]
    assert [r["model"] for r in twelve] == [str(model)]
    assert set(twelve[0]["in_key"]) == {"C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A",
                                        "Bb", "B"}
    assert twelve[0]["spread"] == pytest.approx(twelve[0]["highest"] - twelve[0]["lowest"])
    assert "## The model alone in all 12 major keys" in (tmp_path / "out" / "RESULTS.md"
                                                         ).read_text()


def test_the_twelve_key_table_measures_the_key_asked_for():
    """A model sure of middle C is in key where C is in the scale and out of it elsewhere."""
    from musicai.training.evaluation.all_keys import key_rows, play_all_keys

    rows = key_rows(play_all_keys({"peaked": PeakedPredictor()}, bars=2, seed=0, takes=3))
    assert rows[0]["takes_per_key"] == 3 and rows[0]["error"] == 0.0  # always sure: no error
    shares = rows[0]["in_key"]
    assert [name for name, share in shares.items() if share == 1.0] == [
        "C", "Db", "Eb", "F", "G", "Ab", "Bb"]  # major keys holding C
    assert rows[0]["lowest"] == 0.0 and rows[0]["spread"] == 1.0


class TwoNotePredictor(PeakedPredictor):
    """Middle C or C#, even odds: half its notes are outside C major."""

    def __init__(self) -> None:
        super().__init__()
        self.pitch[self.vocab.pitch_id(61)] = 0.0


def test_more_takes_per_key_narrow_the_sampling_error():
    from musicai.training.evaluation.all_keys import key_rows, play_all_keys

    one, six = (key_rows(play_all_keys({"two": TwoNotePredictor()}, bars=4, seed=1,
                                       takes=n))[0] for n in (1, 6))
    assert six["notes_per_key"] == 6 * one["notes_per_key"]
    share = six["in_key"]["C"]
    assert 0.3 < share < 0.7  # C in, C# out of C major, even odds
    assert six["error"] < one["error"] / 2  # six times the notes: 1/sqrt(6) of the error
