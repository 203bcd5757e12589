"""Load test of Safeguard: `make load` (bench/load/run.py), the journeys in bench/load/locustfile.py."""
