"""The vendor portal: public pages behind secret links (no login), outside the dashboard."""
