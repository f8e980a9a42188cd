"""The worker's writes to Saleor, each an outbound attempt (ADR 6): ``write_back`` (order notes
and metadata), ``fulfilments`` (orderFulfill for a shipment), ``fulfilment_changes`` (tracking
updates and cancellations)."""
