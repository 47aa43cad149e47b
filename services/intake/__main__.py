"""`python -m services.intake`: run the intake service as its own process."""
from services.chassis.serve import main
from services.intake.app import spec

if __name__ == "__main__":
    main(spec)
