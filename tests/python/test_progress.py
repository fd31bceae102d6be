"""progress= on every long call: reports increase and end at the total, a callback
returning False cancels (smartkampung.Cancelled) and leaves everything as it was, and
nothing is printed without tqdm or with progress=False."""

import builtins
import os

import numpy as np
import pytest

import smartkampung as sk

# The small lists give weak fields; the linkage's warnings are not what is tested here.
pytestmark = pytest.mark.filterwarnings("ignore::smartkampung.linkage.LinkageWarning")


class Recorder:
    """A progress callback that records every report and answers False from the
    `stop_at`-th call on (never, by default)."""

    def __init__(self, stop_at=None):
        self.seen = []
        self.stop_at = stop_at

    def __call__(self, done, total):
        self.seen.append((done, total))
        return self.stop_at is None or len(self.seen) < self.stop_at

    def check_complete(self, total=None, at_least=2):
        assert len(self.seen) >= at_least, self.seen
        dones = [d for d, _ in self.seen]
        assert dones == sorted(set(dones)), "reports increase"
        totals = {t for _, t in self.seen}
        assert len(totals) == 1, totals
        assert dones[-1] == self.seen[-1][1], "the last report is the total"
        if total is not None:
            assert dones[-1] == total


@pytest.fixture(scope="module")
def sample():
    return sk.sample.banyuwangi(6000, seed=21)


@pytest.fixture(scope="module")
def files(sample, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lists")
    paths = sample.write_csv(str(folder))
    return sorted(paths, key=os.path.getsize, reverse=True)


def program_of(path):
    return os.path.splitext(os.path.basename(path))[0]


def snapshot(reg):
    return len(reg), reg.programs(), reg.dedup().to_json()


# ---- the registry ----------------------------------------------------------------


def test_load_csv_reports_bytes_and_a_cancel_changes_nothing(files):
    big, other = files[0], files[1]
    reg = sk.Registry()
    seen = Recorder()
    rep = reg.load_csv(big, program_of(big), progress=seen)
    assert rep.loaded > 0
    with open(big, "rb") as f:
        header = f.readline()
    seen.check_complete(total=os.path.getsize(big) - len(header))
    before = snapshot(reg)
    at_the_end = lambda done, total: done < total  # noqa: E731 (the last report: still before any change)
    for cancel in (Recorder(stop_at=1), Recorder(stop_at=2), at_the_end):
        with pytest.raises(sk.Cancelled) as info:
            reg.load_csv(other, program_of(other), progress=cancel)
        assert info.value.code == "cancelled" and isinstance(info.value, sk.Error)
        assert snapshot(reg) == before
    # replace_program from a file: cancelled, the old list stays
    with pytest.raises(sk.Cancelled):
        reg.replace_program(program_of(big), other, progress=Recorder(stop_at=2))
    assert snapshot(reg) == before


def test_add_records_and_replace_report_rows_and_cancel(sample):
    program = sample.programs()[0][0]
    records = sample.program_records(program)
    reg = sk.Registry()
    seen = Recorder()
    reg.add_records(records, program, progress=seen)
    seen.check_complete(total=len(records))
    before = snapshot(reg)
    with pytest.raises(sk.Cancelled):
        reg.add_records(records, "OTHER", progress=Recorder(stop_at=1))
    with pytest.raises(sk.Cancelled):
        reg.replace_program(program, records[:10], progress=lambda done, total: False)
    assert snapshot(reg) == before


def test_fuzzy_dedup_reports_stages_and_a_cancel_changes_nothing(sample):
    reg, _ = sk.sample.to_registry(sample)
    seen = Recorder()
    report = reg.dedup(fuzzy=True, progress=seen)
    seen.check_complete(total=8, at_least=9)  # 0, the exact dedup, link's 6 stages, the report
    before = snapshot(reg)
    for stop_at in range(1, len(seen.seen) + 1):
        with pytest.raises(sk.Cancelled):
            reg.dedup(fuzzy=True, progress=Recorder(stop_at=stop_at))
    assert snapshot(reg) == before
    assert reg.dedup(fuzzy=True) == report


def test_save_and_load_report_stages_and_a_cancelled_save_writes_nothing(sample, tmp_path):
    reg, _ = sk.sample.to_registry(sample)
    path = tmp_path / "reg.skr"
    for stop_at in (1, 2, 3):
        with pytest.raises(sk.Cancelled):
            reg.save(path, progress=Recorder(stop_at=stop_at))
        assert not path.exists() and os.listdir(tmp_path) == []
    seen = Recorder(stop_at=4)  # the answer to the last report is too late to matter
    reg.save(path, progress=seen)
    seen.check_complete(total=3)
    with pytest.raises(sk.Cancelled):
        sk.Registry.load(path, progress=Recorder(stop_at=3))
    seen = Recorder()
    again = sk.Registry.load(path, progress=seen)
    seen.check_complete(total=3)
    assert snapshot(again) == snapshot(reg)


# ---- linkage -----------------------------------------------------------------------


def link_records(sample, n=3000):
    rec = sample.records
    keys = ("nik", "kk", "name", "birth_date", "sex", "address", "village", "district")
    return [{k: str(rec[k][i]) for k in keys} for i in range(min(n, len(rec["nik"])))]


def test_link_and_fit_report_stages_and_cancel(sample):
    records = link_records(sample)
    seen = Recorder()
    res = sk.link(records, progress=seen)
    seen.check_complete(total=6, at_least=7)
    with pytest.raises(sk.Cancelled):
        sk.link(records, progress=Recorder(stop_at=4))
    with pytest.raises(ZeroDivisionError):  # the callback's own exception stops the call
        sk.link(records, progress=lambda done, total: 1 / 0)
    pa = pytest.importorskip("pyarrow")
    seen = Recorder()
    again = sk.link(pa.Table.from_pylist(records), progress=seen)
    seen.check_complete(total=6)
    assert list(again.cluster_ids) == list(res.cluster_ids)

    linker = sk.Linker()
    seen = Recorder()
    linker.fit(records[:1000], progress=seen)
    seen.check_complete(total=6)
    size = len(linker)
    for stop_at in (1, 4, 7):
        with pytest.raises(sk.Cancelled):
            linker.fit(records, progress=Recorder(stop_at=stop_at))
        assert len(linker) == size  # the previous content is kept


# ---- facilities --------------------------------------------------------------------


def houses(n=400, seed=3):
    rng = np.random.default_rng(seed)
    return sk.FacilityIndex.from_arrays(
        np.arange(n), rng.uniform(-8.4, -8.1, n), rng.uniform(114.2, 114.4, n), np.full(n, 10, np.int32)
    )


def points(n, seed=4):
    rng = np.random.default_rng(seed)
    return rng.uniform(-8.4, -8.1, n), rng.uniform(114.2, 114.4, n)


def test_nearest_batch_reports_queries_and_cancels():
    idx = houses()
    lats, lons = points(50_000)
    seen = Recorder()
    ids, dists = idx.nearest_batch(lats, lons, k=2, progress=seen)
    seen.check_complete(total=50_000, at_least=4)
    with pytest.raises(sk.Cancelled):
        idx.nearest_batch(lats, lons, k=2, progress=Recorder(stop_at=2))
    ids2, _ = idx.nearest_batch(lats, lons, k=2, progress=False)
    assert (ids2 == ids).all()


@pytest.mark.parametrize("mode", ["greedy", "optimal"])
def test_assign_reports_residents_and_a_cancel_reserves_nothing(mode):
    idx = houses()
    lats, lons = points(3000)
    seen = Recorder()
    placed = idx.assign(lats, lons, mode=mode, k=5, progress=seen)
    seen.check_complete(total=3000 if mode == "greedy" else 6001)
    free = [idx.free_beds(h) for h in range(400)]
    for stop_at in (1, len(seen.seen)):
        with pytest.raises(sk.Cancelled):
            idx.assign(lats, lons, mode=mode, k=5, reserve=True, progress=Recorder(stop_at=stop_at))
        assert [idx.free_beds(h) for h in range(400)] == free
    with pytest.raises(sk.Cancelled):
        idx.assign_report(lats, lons, mode=mode, k=5, reserve=True, progress=lambda d, t: False)
    assert [idx.free_beds(h) for h in range(400)] == free
    assert idx.assign(lats, lons, mode=mode, k=5).tolist() == placed.tolist()


# ---- silence -----------------------------------------------------------------------


def without_tqdm(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "tqdm" or name.startswith("tqdm."):
            raise ImportError("no tqdm here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)


def long_calls(sample, files, tmp_path):
    reg = sk.Registry()
    reg.load_csv(files[0], program_of(files[0]))
    reg.add_records(sample.program_records(program_of(files[1])), program_of(files[1]))
    reg.dedup(fuzzy=True)
    reg.save(tmp_path / "r.skr")
    sk.Registry.load(tmp_path / "r.skr")
    sk.link(link_records(sample, 1000))
    sk.Linker().fit(link_records(sample, 1000))
    idx = houses()
    lats, lons = points(5000)
    idx.nearest_batch(lats, lons, k=2)
    idx.assign(lats, lons, mode="optimal", k=5)


def test_nothing_is_printed_without_tqdm_or_with_progress_off(sample, files, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sk.settings, "progress_min_rows", 1)  # every call counts as long
    monkeypatch.setattr(sk.settings, "progress_delay", 0)  # and shows its bar at once
    pytest.importorskip("tqdm")
    long_calls(sample, files, tmp_path)
    shown = capsys.readouterr().err
    for what in ("load_csv", "add_records", "dedup", "link", "Linker.fit", "nearest_batch", "assign"):
        assert what in shown, what  # tqdm's bars, on stderr
    monkeypatch.setattr(sk.settings, "progress", False)
    long_calls(sample, files, tmp_path)
    assert capsys.readouterr() == ("", "")
    monkeypatch.setattr(sk.settings, "progress", True)
    without_tqdm(monkeypatch)
    long_calls(sample, files, tmp_path)
    assert capsys.readouterr() == ("", "")


def test_progress_false_is_silent_and_takes_no_callback(files, capsys, monkeypatch):
    monkeypatch.setattr(sk.settings, "progress_min_rows", 1)
    reg = sk.Registry()
    reg.load_csv(files[0], program_of(files[0]), progress=False)
    idx = houses()
    lats, lons = points(2000)
    idx.nearest_batch(lats, lons, progress=False)
    idx.assign(lats, lons, progress=False)
    assert capsys.readouterr() == ("", "")


def test_a_fast_call_shows_no_bar_before_the_delay(files, capsys, monkeypatch):
    pytest.importorskip("tqdm")
    monkeypatch.setattr(sk.settings, "progress_min_rows", 1)  # long by its size ...
    monkeypatch.setattr(sk.settings, "progress_delay", 60)  # ... but done within a minute
    sk.Registry().load_csv(files[0], program_of(files[0]))
    assert "load_csv" not in capsys.readouterr().err
