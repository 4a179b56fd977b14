"""`python -m intellimix` is the `intellimix` command."""

from intellimix.cli import main

main()
