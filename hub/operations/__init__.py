"""Operating the hub: health, metrics, traces, structured logs and the operations console."""
