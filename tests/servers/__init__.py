"""In-process fake servers used by the integration tests (real HTTP on 127.0.0.1)."""
