"""Pure transformations: frames in, frames out.

Nothing here reads files, talks to the network, imports Prefect, Jinja2 or WeasyPrint, or looks at
the clock: the period and "today" are parameters. tests/test_layers.py enforces it.
"""
