"""`python -m services.intake`: run the intake service as its own process."""
from services.chassis.serve import serve
from services.intake.app import build

if __name__ == "__main__":
    rt, app = build()
    serve(rt, app, build)
