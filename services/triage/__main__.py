"""`python -m services.triage`: run the triage service as its own process."""
from services.chassis.serve import main
from services.triage.app import spec

if __name__ == "__main__":
    main(spec)
