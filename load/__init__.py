"""Load test of Safeguard: `make load` (load/run.py), the journeys in load/locustfile.py."""
