"""`python -m services.kpi`: run the kpi service as its own process."""
from services.chassis.serve import serve
from services.kpi.app import build

if __name__ == "__main__":
    rt, app = build()
    serve(rt, app, build)
