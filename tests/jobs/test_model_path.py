"""Which local model folders the hf backend may load, and its plain prompt format (no torch needed)."""

from __future__ import annotations

import pytest

from assay.backends.hf import check_model_path, plain_prompt
from assay.errors import InvalidInput


@pytest.fixture
def models(tmp_path):
    """A root of allowed models holding one model folder (``tiny``) and a folder that is no model."""
    root = tmp_path / "models"
    (root / "tiny").mkdir(parents=True)
    (root / "tiny" / "config.json").write_text("{}")
    (root / "empty").mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "config.json").write_text("{}")
    return root, outside


def _refusal(path, **kwargs) -> str:
    with pytest.raises(InvalidInput) as caught:
        check_model_path(str(path), **kwargs)
    assert caught.value.details[0]["loc"] == ["model_path"]
    return caught.value.message


def test_a_model_folder_inside_a_root_by_absolute_or_relative_path(models):
    root, _ = models
    assert check_model_path(str(root / "tiny"), roots=[str(root)]) == (root / "tiny").resolve()
    assert check_model_path("tiny", roots=["", str(root)]) == (root / "tiny").resolve()


def test_folders_outside_the_roots_are_refused_even_through_symlinks_or_dots(models):
    root, outside = models
    assert "outside the folders" in _refusal(outside, roots=[str(root)])
    assert "outside the folders" in _refusal(root / ".." / "elsewhere", roots=[str(root)])
    (root / "link").symlink_to(outside)
    assert "outside the folders" in _refusal(root / "link", roots=[str(root)])
    assert "ASSAY_LOCAL_MODEL_DIRS" in _refusal(root / "tiny", roots=[])


def test_missing_folders_and_folders_without_a_config_are_named(models):
    root, outside = models
    assert "does not exist" in _refusal(root / "nope", roots=[str(root)])
    assert "no config.json" in _refusal(root / "empty", roots=[str(root)])
    assert "does not exist" in _refusal(root / "nope", allow_any=True)
    assert check_model_path(str(outside), allow_any=True) == outside.resolve()


def test_plain_prompt_without_a_chat_template():
    turns = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]
    assert plain_prompt(turns) == "System: Be brief.\n\nUser: Hi?\n\nAssistant:"
    assert plain_prompt([{"role": "assistant", "content": None}]) == "Assistant:\n\nAssistant:"
