"""Access to the government documents in ../shared/seeds that the register is built from."""

import os
import re
from pathlib import Path

SEEDS_DIR = Path(
    os.environ.get("SEEDS_DIR", Path(__file__).resolve().parent.parent.parent / "shared" / "seeds")
)
REGEERPROGRAMMA = "004_1166f54ba1c9bc08.txt"


def seed_lines(name):
    """The lines of a seed document; index 0 is line 1."""
    path = SEEDS_DIR / name
    if not path.exists():
        raise FileNotFoundError(
            f"Seed document {path} is missing: clone the project next to ../shared "
            "or point SEEDS_DIR at the seeds folder."
        )
    return path.read_text(encoding="utf-8").splitlines()


def fingerprint(text):
    """Text with case, white space and hyphens removed, so that a line-wrapped
    passage of a seed compares equal to its cleaned-up transcription."""
    return re.sub(r"[\s\-\u2010\u2011\u00ad]+", "", text).lower()
