"""`python -m dibs_tui`: the `dibs-tui` console script, for an environment whose scripts are not on PATH."""

from .cli import entry

if __name__ == "__main__":
    entry()
