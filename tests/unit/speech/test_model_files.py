"""Where the model comes from: two registry packages joined into one directory, or a directory the image prepared."""

from pathlib import Path

import faster_whisper.utils  # type: ignore[import-untyped]
import pytest

from shared.services import speech
from shared.services.speech import MODEL_DIR_ENV, assemble_model


@pytest.mark.slow  # writes the 145 MB model.bin
def test_the_model_is_assembled_once_from_its_two_parts(tmp_path):
    # When the model is assembled into an empty directory
    model_dir = assemble_model(tmp_path / "whisper")

    # Then model.bin is both parts, end to end, beside the three json files, and no temporary file is left
    parts = [speech._package_data_dir(package) / name for package, name in speech._MODEL_PARTS]
    model = model_dir / "model.bin"
    assert model.stat().st_size == sum(part.stat().st_size for part in parts) == 145_217_607
    with model.open("rb") as joined:
        for part in parts:
            size = part.stat().st_size
            assert joined.read(size) == part.read_bytes()
    assert sorted(path.name for path in model_dir.iterdir()) == [
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.json",
    ]

    # And a second call keeps the files that are already complete
    written = model.stat().st_mtime_ns
    assemble_model(model_dir)
    assert model.stat().st_mtime_ns == written


@pytest.mark.slow
def test_a_partial_model_bin_is_replaced(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"half a model")

    assemble_model(tmp_path)

    assert (tmp_path / "model.bin").stat().st_size == 145_217_607


@pytest.fixture
def fresh_model_dir():
    speech._model_dir.cache_clear()
    yield
    speech._model_dir.cache_clear()


@pytest.mark.usefixtures("fresh_model_dir")
def test_a_prepared_directory_is_used_as_it_is(tmp_path, monkeypatch):
    (tmp_path / "model.bin").write_bytes(b"prepared at build time")
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))

    assert speech._model_dir() == tmp_path


@pytest.mark.usefixtures("fresh_model_dir")
def test_a_prepared_directory_without_the_model_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))

    with pytest.raises(RuntimeError, match=r"holds no model\.bin"):
        speech._model_dir()


@pytest.mark.usefixtures("fresh_model_dir")
def test_an_image_build_naming_another_model_downloads_it_where_the_function_loads_from(tmp_path, monkeypatch):
    # Given faster-whisper's downloader (no network here: it writes what the Hub would)
    fetched = []

    def download_model(name, output_dir):
        fetched.append((name, output_dir))
        for file in ("model.bin", "config.json", "tokenizer.json", "vocabulary.json"):
            (Path(output_dir) / file).write_text(file)
        return output_dir

    monkeypatch.setattr(faster_whisper.utils, "download_model", download_model)

    # When the image's build step prepares the model its WHISPER_MODEL build argument names
    model_dir = speech.prepare_model(tmp_path / "whisper", "kotoba-tech/kotoba-whisper-v2.0-faster")

    # Then that model is downloaded into the directory, and the function loads from it
    assert fetched == [("kotoba-tech/kotoba-whisper-v2.0-faster", str(tmp_path / "whisper"))]
    monkeypatch.setenv(MODEL_DIR_ENV, str(model_dir))
    assert speech._model_dir() == model_dir


def test_a_download_without_a_ctranslate2_model_fails_the_build(tmp_path, monkeypatch):
    # Given a repository that is not a CTranslate2 conversion (no model.bin)
    monkeypatch.setattr(faster_whisper.utils, "download_model", lambda name, output_dir: output_dir)

    # Then preparing it fails the image build with the reason
    with pytest.raises(RuntimeError, match=r"openai/whisper-small brought no model\.bin"):
        speech.prepare_model(tmp_path, "openai/whisper-small")


def test_an_image_build_without_a_model_name_bakes_whisper_base(tmp_path, monkeypatch):
    assembled = []

    def assemble_model(target):
        assembled.append(target)
        return target

    monkeypatch.setattr(speech, "assemble_model", assemble_model)

    assert speech.prepare_model(tmp_path, "") == tmp_path
    assert assembled == [tmp_path]
