"""Use cases: primitives in, results out, one unit of work each."""
