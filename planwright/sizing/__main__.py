"""`python -m planwright.sizing` is `planwright sizing`."""

from planwright.sizing.cli import main

raise SystemExit(main())
