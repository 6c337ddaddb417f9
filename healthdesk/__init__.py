"""healthdesk: your WHOOP 4.0 data on your own computer."""

__version__ = "0.1.0"
