"""`python -m mailstack` runs the command line."""

from mailstack.cli import main

raise SystemExit(main())
