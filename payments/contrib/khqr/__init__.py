"""Bakong KHQR: the provider (`plugin.py`) and the Bakong Open API client (`bakong.py`)."""
