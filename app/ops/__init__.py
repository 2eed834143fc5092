"""Operations: health and readiness probes, structured logs, security headers, the admin page."""
