"""`python -m services.notifications`: run the notifications service as its own process."""
from services.chassis.serve import main
from services.notifications.app import spec

if __name__ == "__main__":
    main(spec)
