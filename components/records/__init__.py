"""Pure builders for mail authentication DNS records (no Pulumi, no I/O)."""
