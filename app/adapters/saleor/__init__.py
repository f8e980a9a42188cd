"""Saleor: GraphQL client, signatures, dashboard tokens, manifest."""
