"""`python -m services.kpi`: run the kpi service as its own process."""
from services.chassis.serve import main
from services.kpi.app import spec

if __name__ == "__main__":
    main(spec)
