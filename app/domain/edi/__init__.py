"""ASC X12 EDI with vendors: trading-partner settings, the envelope, and the documents."""
