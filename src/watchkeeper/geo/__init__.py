"""Geography the node derives itself from real coastlines: where land is, how far the
shore is, the default 12/24 nm zones, and the ports of the World Port Index."""
