"""The report's outputs: download (CSV, JSON, XLSX), print, and scheduled e-mails."""
