"""Use cases, one module each, between the cogs and the store; no Discord here.

`root.Services.build` is the composition root: it builds every service once and is what
the cogs receive. excerpts · lookups · uploads · daily · prompts · config (a server's
posting policy) · departures · directory (finding stories by name) · reports.
"""
