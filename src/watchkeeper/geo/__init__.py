"""Geography the node derives itself from real coastlines: where land is."""
