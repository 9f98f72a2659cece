"""The appointments app's public functions: the only way other apps change its data."""
