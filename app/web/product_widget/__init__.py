"""The product page's "Vendors" widget."""
