"""What Saleor and operators call: the manifest and registration, webhooks, health and metrics."""
