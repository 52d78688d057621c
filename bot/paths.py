"""Where the bundled data lives (the repository's data/ folder, beside the package)."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
TAXONOMY_DIR = DATA_DIR / "taxonomy"
PROMPTS_DIR = DATA_DIR / "prompts"
STORIES_DIR = DATA_DIR / "stories"
MODELS_DIR = DATA_DIR / "models"
MODEL_PATH = MODELS_DIR / "passages.npz"
TRAINING_DIR = DATA_DIR / "training"
# Shared material beside the repository (read, never copied in): the EACL development half.
EACL_DEV = DATA_DIR.parents[1] / "shared" / "datasets" / "eacl-passages" / "dev.jsonl"
