"""The disk cache: built once, named by its input, never required."""

from __future__ import annotations

from pathlib import Path

import pytest

from figtrace import diskcache
from figtrace.meta import language

GERMAN = "Nach Angaben des Ministeriums wurden bei dem Angriff in der Nacht mindestens zwölf Menschen getötet."
ENGLISH = "According to the ministry, at least twelve people were killed in the overnight attack on the city."


def test_a_file_is_built_once_and_then_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(diskcache.CACHE_VARIABLE, str(tmp_path / "cache"))
    builds: list[Path] = []

    def build(p: Path) -> None:
        builds.append(p)
        p.write_text("built", encoding="utf-8")

    first = diskcache.cached_file("thing.txt", build)
    second = diskcache.cached_file("thing.txt", build)
    assert first == second == tmp_path / "cache" / "thing.txt"
    assert first is not None and first.read_text(encoding="utf-8") == "built"
    assert len(builds) == 1
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["thing.txt"]  # no temporary file left


def test_off_and_unwritable_folders_give_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(diskcache.CACHE_VARIABLE, "off")
    assert diskcache.cache_dir() is None
    assert diskcache.cached_file("x", lambda p: p.write_text("x")) is None
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(diskcache.CACHE_VARIABLE, str(blocker / "cache"))
    assert diskcache.cached_file("x", lambda p: p.write_text("x")) is None


def test_a_failed_build_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(diskcache.CACHE_VARIABLE, str(tmp_path))

    def broken(p: Path) -> None:
        raise OSError("disk full")

    assert diskcache.cached_file("x", broken) is None
    assert list(tmp_path.iterdir()) == []


def test_prune_keeps_only_the_named_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(diskcache.CACHE_VARIABLE, str(tmp_path))
    for name in ("langid-old.npz", "langid-new.npz", "other.bin"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    diskcache.prune("langid-", {"langid-new.npz"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["langid-new.npz", "other.bin"]


def test_the_default_folder_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(diskcache.CACHE_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert diskcache.cache_dir() == tmp_path / "figtrace"


def test_the_cached_language_model_decides_as_the_full_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(diskcache.CACHE_VARIABLE, str(tmp_path))
    langs = ("de", "en")
    full = language._full_identifier(langs)
    language._identifier.cache_clear()
    try:
        (tmp_path / "langid-from-an-older-version.npz").write_bytes(b"stale")
        cached = language._identifier(langs)  # builds the cache files, and removes the stale one
        assert sorted(p.suffix for p in tmp_path.iterdir()) == [".moves", ".npz"]
        language._identifier.cache_clear()
        reloaded = language._identifier(langs)  # served from it
        for text in (GERMAN, ENGLISH, GERMAN + " " + ENGLISH, "12 34 56"):
            want = full.classify(text)
            assert cached.classify(text) == want
            assert reloaded.classify(text) == want
        assert reloaded.classify(GERMAN)[0] == "de" and reloaded.classify(ENGLISH)[0] == "en"
    finally:
        language._identifier.cache_clear()


@pytest.mark.parametrize("suffix", [".npz", ".moves"])
def test_a_damaged_cache_file_falls_back_to_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      suffix: str) -> None:
    monkeypatch.setenv(diskcache.CACHE_VARIABLE, str(tmp_path))
    language._identifier.cache_clear()
    try:
        language._identifier(("de", "en"))
        (cached,) = tmp_path.glob(f"*{suffix}")
        cached.write_bytes(b"not a model")
        language._identifier.cache_clear()
        assert language._identifier(("de", "en")).classify(GERMAN)[0] == "de"
    finally:
        language._identifier.cache_clear()
