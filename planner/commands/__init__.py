"""The tierplan commands, a module for each kind of work; planner/cli.py gathers them into the ``tierplan`` group."""
