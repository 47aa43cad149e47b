"""The staff workspace: server-rendered pages (Jinja2 + htmx) over the five services' public APIs."""
