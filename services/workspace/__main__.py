"""`python -m services.workspace`: run the staff workspace as its own process."""
import uvicorn

from services.workspace.app import build

if __name__ == "__main__":
    settings, app = build()
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=10, lifespan="on")
