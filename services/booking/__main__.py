"""`python -m services.booking`: run the booking service as its own process."""
from services.booking.app import spec
from services.chassis.serve import main

if __name__ == "__main__":
    main(spec)
