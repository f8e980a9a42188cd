"""The app's own page in the dashboard (``shell``) and its tabs: vendors (with the first-run
checklist), settings, shipment imports; and the public pages the manifest links to."""
