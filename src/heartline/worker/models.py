"""What the database task backend lacks: leases and retries (see ``lease.py``)."""
