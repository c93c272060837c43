"""``python -m kamresearch``: the command line (see :mod:`kamresearch.cli`)."""

from .cli import main

if __name__ == "__main__":  # pragma: no cover
    main(prog_name="kamresearch")
