"""`python -m services.booking`: run the booking service as its own process."""
from services.booking.app import build
from services.chassis.serve import serve

if __name__ == "__main__":
    rt, app = build()
    serve(rt, app, build)
