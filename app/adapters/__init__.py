"""Implementations of the service ports: database, Saleor, crypto, task queue."""
