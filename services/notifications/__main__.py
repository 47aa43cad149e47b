"""`python -m services.notifications`: run the notifications service as its own process."""
from services.chassis.serve import serve
from services.notifications.app import build

if __name__ == "__main__":
    rt, app = build()
    serve(rt, app, build)
