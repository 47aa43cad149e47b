"""`python -m services.triage`: run the triage service as its own process."""
from services.chassis.serve import serve
from services.triage.app import build

if __name__ == "__main__":
    rt, app = build()
    serve(rt, app, build)
