"""``python -m seqgsn``: the command line (same as the ``seqgsn`` console script)."""
from .cli import main

main()
