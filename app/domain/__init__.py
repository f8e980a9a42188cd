"""Pure business objects and rules: standard library only."""
