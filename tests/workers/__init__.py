"""Programs the hardening tests run as separate processes, as several appliances would."""
